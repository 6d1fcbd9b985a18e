/**
 * The worker's entry point: one pod of the indexed Job. Reads its shard from the environment,
 * writes thumbnails, logs one JSON line, and exits non-zero when any image failed (the Job retries
 * the index; finished thumbnails are skipped).
 */
import { shardFromEnv } from "./shard";
import { processShard } from "./thumbnails";

async function main(): Promise<number> {
  const env = process.env;
  const shard = shardFromEnv(env);
  const size = Number(env.THUMBNAIL_SIZE ?? "256");
  if (!Number.isInteger(size) || size < 1) throw new Error(`THUMBNAIL_SIZE must be a positive integer, got "${env.THUMBNAIL_SIZE}"`);
  const result = await processShard({ inputDir: env.INPUT_DIR ?? "/images/input", outputDir: env.OUTPUT_DIR ?? "/images/output", shard, size });
  console.log(JSON.stringify({ shard, written: result.written.length, skipped: result.skipped.length, failed: result.failed }));
  return result.failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    process.exitCode = 2;
  },
);
