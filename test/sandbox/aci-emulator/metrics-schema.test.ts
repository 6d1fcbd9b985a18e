import assert from "node:assert/strict";
import { deriveSchema } from "../../../sandbox/aci-emulator/monitor/derive-schema";
import { loadMetricsSpec } from "../../../sandbox/aci-emulator/monitor/schema";

describe("ACI emulator: the Azure Monitor metrics contract", () => {
  it("derives types, required fields, enums and formats from a specification, dropping prose and resolving the common types", () => {
    const spec = {
      info: { version: "2024-02-01" },
      paths: { "/subscriptions/{subscriptionId}/metrics:getBatch": { post: { operationId: "Batch", description: "prose", parameters: [{ $ref: "#/parameters/V" }, { name: "top", in: "query", required: false, type: "integer", format: "int32", description: "prose" }, { name: "b", in: "body", required: true, schema: { $ref: "#/definitions/Body" } }], responses: { "200": { description: "ok", schema: { $ref: "#/definitions/Out" } }, default: { description: "err", schema: { $ref: "../types.json#/definitions/ErrorResponse" } } } } } },
      definitions: { Body: { type: "object", description: "prose", properties: { ids: { type: "array", items: { type: "string", format: "arm-id", description: "prose" } } } }, Out: { type: "object", required: ["unit"], properties: { unit: { type: "string", enum: ["Count"], "x-ms-enum": { name: "U" } } } }, Unused: { type: "object" } },
      parameters: { V: { name: "api-version", in: "query", required: true, type: "string", minLength: 1 } },
    };
    const common = { info: { version: "v3" }, paths: {}, definitions: { ErrorResponse: { type: "object", properties: { error: { $ref: "#/definitions/ErrorDetail" } } }, ErrorDetail: { type: "object", properties: { code: { type: "string", readOnly: true } } } } };
    const derived = deriveSchema(spec, common);
    assert.deepEqual(derived, {
      apiVersion: "2024-02-01",
      operations: { Batch: { method: "POST", path: "/subscriptions/{subscriptionId}/metrics:getBatch", query: { "api-version": { required: true, type: "string", minLength: 1 }, top: { required: false, type: "integer", format: "int32" } }, body: { $ref: "#/definitions/Body" }, responses: { "200": { $ref: "#/definitions/Out" }, default: { $ref: "#/definitions/ErrorResponse" } } } },
      definitions: {
        Body: { type: "object", properties: { ids: { type: "array", items: { type: "string", format: "arm-id" } } } },
        ErrorDetail: { type: "object", properties: { code: { type: "string", readOnly: true } } },
        ErrorResponse: { type: "object", properties: { error: { $ref: "#/definitions/ErrorDetail" } } },
        Out: { type: "object", required: ["unit"], properties: { unit: { type: "string", enum: ["Count"], "x-ms-enum": { name: "U", modelAsString: false } } } },
      },
    });
  });

  it("holds the batch operation of api-version 2024-02-01 and checks bodies against it", () => {
    const spec = loadMetricsSpec();
    assert.equal(spec.apiVersion, "2024-02-01");
    assert.deepEqual(spec.missingQuery(new URLSearchParams("api-version=2024-02-01")), ["metricnamespace", "metricnames"]);
    assert.deepEqual(spec.checkRequestBody({ resourceids: ["/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerInstance/containerGroups/g"] }), []);
    assert.notDeepEqual(spec.checkRequestBody({ resourceids: ["not-an-id"] }), []);
    assert.notDeepEqual(spec.checkResponse(200, { values: [{ starttime: "x", endtime: "y", value: [{ id: "i", type: "t", name: { value: "CpuUsage" }, unit: "Millicores", timeseries: [] }] }] }), [], "unit outside the enum");
    assert.deepEqual(spec.checkResponse(400, { error: { code: "BadRequest", message: "m" } }), []);
  });
});
