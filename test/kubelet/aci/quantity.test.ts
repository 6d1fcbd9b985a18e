import { strict as assert } from "node:assert";
import { parseQuantity } from "../../../kubelet/src/aci/quantity";
import { cpuCores, memoryGB, roundUpTo } from "../../../kubelet/src/aci/resources";

describe("parseQuantity", () => {
  const table: [string, number | undefined][] = [
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1G", 1e9],
    ["1e3", 1000],
    ["100k", 1e5],
    ["abc", undefined],
    ["1Gb", undefined],
  ];
  for (const [text, want] of table) it(`${text} → ${want}`, () => assert.equal(parseQuantity(text), want));
});

describe("ACI granularity", () => {
  it("rounds up to the step without floating-point noise", () => {
    assert.equal(roundUpTo(0.1 + 0.2, 0.1), 0.3);
    assert.equal(roundUpTo(0.301, 0.1), 0.4);
    assert.equal(roundUpTo(0, 0.01), 0.01);
  });

  it("converts CPU to 0.01 cores and memory bytes to decimal GB in 0.1 steps", () => {
    assert.equal(cpuCores("1234m"), 1.24);
    assert.equal(memoryGB("1Gi"), 1.1);
    assert.equal(memoryGB("1500M"), 1.5);
    assert.equal(memoryGB("lots"), undefined);
  });
});
