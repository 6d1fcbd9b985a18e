/**
 * Push credentials for an Azure Container Registry without its admin user or any stored secret:
 * the deployer's own Entra token is exchanged at the registry for a short-lived refresh token, as
 * `az acr login` does. The registry accepts it with the all-zero user name.
 */

/** The user name a registry expects with an exchanged token. */
export const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/** Exchanges an Entra access token for registry credentials; `fetchImpl` is injectable for tests. */
export async function exchangeAcrToken(loginServer: string, accessToken: string, fetchImpl: Fetch = fetch): Promise<RegistryCredentials> {
  const body = new URLSearchParams({ grant_type: "access_token", service: loginServer, access_token: accessToken }).toString();
  const response = await fetchImpl(`https://${loginServer}/oauth2/exchange`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`registry ${loginServer} refused the token exchange (HTTP ${response.status}); is the deployer allowed to push (AcrPush or Contributor)? ${text.slice(0, 200)}`);
  }
  let refreshToken: unknown;
  try {
    refreshToken = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
  } catch (error) {
    throw new Error(`registry ${loginServer} answered the token exchange with something other than JSON`, { cause: error });
  }
  if (typeof refreshToken !== "string" || refreshToken === "") throw new Error(`registry ${loginServer} returned no refresh_token`);
  return { username: ACR_TOKEN_USER, password: refreshToken };
}
