import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CONTRACT_FILE, contractText, deriveContract, reduceSchema } from "../../../sandbox/aci-emulator/contract/derive";
import { loadSpec } from "../../../sandbox/aci-emulator";
import { OFFICIAL_SPEC_MISSING, officialSpecDir, readOfficialSpec } from "./official-spec";

describe("ACI emulator contract (derived from the official specification)", () => {
  it("drops prose but keeps every keyword validation uses", () => {
    const reduced = reduceSchema({
      description: "A container.",
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", description: "The name.", pattern: "^[a-z]+$" }, description: { type: "string" } },
      "x-ms-enum": { name: "Kind", modelAsString: true, values: [{ value: "a", description: "A." }] },
      items: { $ref: "#/definitions/X", example: "x" },
    });
    assert.deepEqual(reduced, {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", pattern: "^[a-z]+$" }, description: { type: "string" } },
      "x-ms-enum": { name: "Kind", modelAsString: true },
      items: { $ref: "#/definitions/X" },
    });
  });

  it("is what the emulator loads, and it describes every operation the SDK calls", () => {
    const spec = loadSpec();
    assert.equal(spec.file, CONTRACT_FILE);
    assert.equal(spec.apiVersion, "2023-05-01");
    for (const op of ["ContainerGroups_CreateOrUpdate", "ContainerGroups_Get", "ContainerGroups_Delete", "ContainerGroups_ListByResourceGroup", "Containers_ListLogs", "Location_ListUsage"]) {
      assert.ok(spec.operationIds().includes(op), op);
    }
    assert.equal(spec.requestDefinition("ContainerGroups_CreateOrUpdate"), "ContainerGroup");
    const prose: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}[${i}]`));
      else if (typeof node === "object" && node !== null) {
        for (const [k, v] of Object.entries(node)) {
          if (["description", "summary", "title", "x-ms-examples", "example"].includes(k) && typeof v !== "object") prose.push(`${at}.${k}`);
          walk(v, `${at}.${k}`);
        }
      }
    };
    walk((JSON.parse(readFileSync(CONTRACT_FILE, "utf8")) as { definitions: unknown }).definitions, "definitions");
    assert.deepEqual(prose, [], "no prose in the contract's definitions");
  });

  const officialDir = officialSpecDir();
  if (!officialDir) it(`pending: matches the official specification — ${OFFICIAL_SPEC_MISSING}`);
  else {
    it("matches what the official specification derives to (run npm run sandbox:derive-contract after updating it)", () => {
      assert.equal(readFileSync(CONTRACT_FILE, "utf8"), contractText(deriveContract(readOfficialSpec(officialDir) as never)));
    });
  }
});
