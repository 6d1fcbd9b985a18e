/**
 * Thumbnails of a shard of images: read from the input directory, resized with sharp so the
 * longest side fits `size` (never enlarged), written as JPEG to the output directory. A retried
 * pod skips thumbnails that already exist, so a shard can be re-run safely.
 */
import { mkdir, readdir, rename, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import sharp from "sharp";
import { shardFiles, type Shard } from "./shard";

/** Extensions the worker treats as images. */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".avif"];

export interface ShardJob {
  readonly inputDir: string;
  readonly outputDir: string;
  readonly shard: Shard;
  /** Longest side of a thumbnail, in pixels. */
  readonly size: number;
}

export interface ShardResult {
  readonly written: string[];
  readonly skipped: string[];
  readonly failed: { readonly file: string; readonly error: string }[];
}

/** The thumbnail's file name for an input image. */
export function thumbnailName(file: string): string {
  return `${path.parse(file).name}.thumb.jpg`;
}

/** One thumbnail, as JPEG bytes; EXIF orientation is applied. */
export async function thumbnail(input: Buffer | string, size: number): Promise<Buffer> {
  return sharp(input).rotate().resize({ width: size, height: size, fit: "inside", withoutEnlargement: true }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
}

export async function processShard(job: ShardJob): Promise<ShardResult> {
  const entries = await readdir(job.inputDir, { withFileTypes: true });
  const images = entries.filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())).map((e) => e.name);
  await mkdir(job.outputDir, { recursive: true });
  const result: ShardResult = { written: [], skipped: [], failed: [] };
  for (const file of shardFiles(images, job.shard)) {
    const target = path.join(job.outputDir, thumbnailName(file));
    if (await exists(target)) {
      result.skipped.push(file);
      continue;
    }
    try {
      // Write to a temporary name first, so a pod killed mid-write leaves no half thumbnail behind.
      const partial = `${target}.partial-${job.shard.index}`;
      await writeFile(partial, await thumbnail(path.join(job.inputDir, file), job.size));
      await rename(partial, target);
      result.written.push(file);
    } catch (error) {
      result.failed.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
