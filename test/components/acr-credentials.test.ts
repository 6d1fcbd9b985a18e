import assert from "node:assert/strict";
import { ACR_TOKEN_USER, exchangeAcrToken, type Fetch } from "../../components/acr-credentials";

describe("exchangeAcrToken", () => {
  it("trades an Entra token for a registry refresh token", async () => {
    let seen: { url: string; body: string } | undefined;
    const fetchImpl: Fetch = (url, init) => {
      seen = { url, body: init.body };
      return Promise.resolve({ ok: true, status: 200, text: () => Promise.resolve(JSON.stringify({ refresh_token: "r" })) });
    };
    assert.deepEqual(await exchangeAcrToken("reg.registry.test", "aad", fetchImpl), { username: ACR_TOKEN_USER, password: "r" });
    assert.equal(seen?.url, "https://reg.registry.test/oauth2/exchange");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen?.body)), { grant_type: "access_token", service: "reg.registry.test", access_token: "aad" });
  });

  it("says what to check when the registry refuses", async () => {
    const refuse: Fetch = () => Promise.resolve({ ok: false, status: 401, text: () => Promise.resolve("unauthorized") });
    await assert.rejects(exchangeAcrToken("reg.registry.test", "aad", refuse), /refused the token exchange \(HTTP 401\); is the deployer allowed to push/);
    const empty: Fetch = () => Promise.resolve({ ok: true, status: 200, text: () => Promise.resolve("{}") });
    await assert.rejects(exchangeAcrToken("reg.registry.test", "aad", empty), /returned no refresh_token/);
  });
});
