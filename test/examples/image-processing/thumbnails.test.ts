import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import sharp from "sharp";
import { processShard, thumbnail, thumbnailName } from "../../../examples/image-processing/worker/src/thumbnails";

/** A real image with some structure (a gradient), in the format its extension names. */
async function image(width: number, height: number, format: "jpeg" | "png" | "webp"): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

describe("image-processing worker: thumbnails", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "thumbs-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("fits the longest side and keeps the aspect ratio, never enlarging", async () => {
    const wide = await sharp(await thumbnail(await image(800, 400, "png"), 128)).metadata();
    assert.deepEqual([wide.format, wide.width, wide.height], ["jpeg", 128, 64]);
    const small = await sharp(await thumbnail(await image(60, 90, "jpeg"), 128)).metadata();
    assert.deepEqual([small.width, small.height], [60, 90]);
  });

  it("turns every image of the share into one thumbnail across all shards", async () => {
    const input = path.join(dir, "input");
    const output = path.join(dir, "output");
    await mkdir(input);
    const names = ["a.jpg", "b.png", "c.webp", "d.jpg", "e.png"];
    const formats = { ".jpg": "jpeg", ".png": "png", ".webp": "webp" } as const;
    for (const [i, name] of names.entries()) await writeFile(path.join(input, name), await image(300 + i * 10, 200, formats[path.extname(name) as keyof typeof formats]));
    await writeFile(path.join(input, "notes.txt"), "not an image");

    const results = await Promise.all([0, 1].map((index) => processShard({ inputDir: input, outputDir: output, shard: { index, count: 2 }, size: 64 })));
    assert.deepEqual(results.map((r) => r.written.length), [3, 2]);
    assert.deepEqual((await readdir(output)).sort(), names.map(thumbnailName).sort());
    for (const name of names) {
      const meta = await sharp(path.join(output, thumbnailName(name))).metadata();
      assert.equal(meta.width, 64);
      assert.equal(meta.format, "jpeg");
    }

    const retry = await processShard({ inputDir: input, outputDir: output, shard: { index: 0, count: 2 }, size: 64 });
    assert.deepEqual([retry.written.length, retry.skipped.length], [0, 3], "a retried pod skips finished thumbnails");
  });

  it("reports a corrupt image and carries on with the rest", async () => {
    await writeFile(path.join(dir, "bad.jpg"), "not really a jpeg");
    await writeFile(path.join(dir, "good.png"), await image(100, 100, "png"));
    const result = await processShard({ inputDir: dir, outputDir: path.join(dir, "out"), shard: { index: 0, count: 1 }, size: 32 });
    assert.deepEqual(result.written, ["good.png"]);
    assert.equal(result.failed[0].file, "bad.jpg");
  });
});
