import { strict as assert } from "node:assert";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { eventsFromGroup } from "../../../kubelet/src/aci/events";

const first = new Date("2026-01-01T00:00:00Z");
const last = new Date("2026-01-01T00:05:00Z");

describe("eventsFromGroup", () => {
  it("turns group, init and container events into Kubernetes-shaped records", () => {
    const group: ContainerGroup = {
      osType: "Linux",
      instanceView: { events: [{ name: "SuccessfulMountAzureFileVolume", type: "Normal", count: 1, firstTimestamp: first, message: "mounted" }] },
      initContainers: [{ name: "fetch", instanceView: { events: [{ name: "Pulled", type: "Normal", count: 1, firstTimestamp: first, lastTimestamp: first, message: "pulled alpine" }] } }],
      containers: [
        {
          name: "main",
          image: "busybox",
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
          instanceView: {
            events: [
              { name: "Pulling", type: "Normal", count: 1, firstTimestamp: first, lastTimestamp: first, message: 'pulling image "busybox"' },
              { name: "Started", type: "Normal", count: 3, firstTimestamp: first, lastTimestamp: last, message: "Started container" },
              { name: "BackOff", type: "Warning", count: 2, firstTimestamp: first, lastTimestamp: last, message: "Back-off restarting failed container" },
            ],
          },
        },
      ],
    };
    const records = eventsFromGroup(group);
    assert.deepEqual(
      records.map((r) => [r.reason, r.type, r.count, r.container, r.fieldPath, r.lastTimestamp?.toISOString()]),
      [
        ["SuccessfulMountAzureFileVolume", "Normal", 1, undefined, undefined, first.toISOString()],
        ["Pulled", "Normal", 1, "fetch", "spec.initContainers{fetch}", first.toISOString()],
        ["Pulling", "Normal", 1, "main", "spec.containers{main}", first.toISOString()],
        ["Started", "Normal", 3, "main", "spec.containers{main}", last.toISOString()],
        ["BackOff", "Warning", 2, "main", "spec.containers{main}", last.toISOString()],
      ],
    );
    assert.equal(new Set(records.map((r) => r.key)).size, records.length);
  });

  it("keeps an event's key when its count and last timestamp grow, so it can be deduplicated", () => {
    const make = (count: number, lastTimestamp: Date): ContainerGroup => ({
      osType: "Linux",
      containers: [{ name: "main", image: "x", resources: { requests: { cpu: 1, memoryInGB: 1 } }, instanceView: { events: [{ name: "Started", count, firstTimestamp: first, lastTimestamp }] } }],
    });
    assert.equal(eventsFromGroup(make(1, first))[0].key, eventsFromGroup(make(4, last))[0].key);
  });

  it("accepts timestamps as strings (raw JSON) and returns no records for a group without events", () => {
    const raw = { osType: "Linux", containers: [{ name: "m", image: "x", resources: { requests: { cpu: 1, memoryInGB: 1 } }, instanceView: { events: [{ name: "Killing", firstTimestamp: "2026-01-01T00:00:00Z" }] } }] };
    assert.equal(eventsFromGroup(raw as unknown as ContainerGroup)[0].firstTimestamp?.getTime(), first.getTime());
    assert.deepEqual(eventsFromGroup({ osType: "Linux", containers: [] }), []);
  });
});
