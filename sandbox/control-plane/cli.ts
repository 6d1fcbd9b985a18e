/**
 * `npm run sandbox:build` builds (or finds) the control-plane binaries;
 * `npm run sandbox:control-plane` starts a control plane and keeps it until Ctrl-C.
 */
import { ensureAllBinaries } from "../binaries";
import { startControlPlane } from "./index";

async function main(command: string | undefined): Promise<void> {
  if (command === "build") {
    for (const [name, set] of await ensureAllBinaries()) console.log(`${name}: ${set.dir}`);
    return;
  }
  if (command === "start") {
    const cp = await startControlPlane();
    await cp.addKwokNodes(["worker-1", "worker-2", "worker-3"]);
    console.log(`Kubernetes ${cp.kubernetesVersion} at ${cp.server}\n  export KUBECONFIG=${cp.kubeconfigPath}\nCtrl-C stops it.`);
    await new Promise<void>((resolve) => process.once("SIGINT", resolve));
    await cp.stop();
    return;
  }
  throw new Error(`usage: cli.ts build|start (got "${command ?? ""}")`);
}

main(process.argv[2]).catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
