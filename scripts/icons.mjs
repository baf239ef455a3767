#!/usr/bin/env node
// Makes the app's icon files from resources/icon.svg (and resources/icon-small.svg for
// 32 px and below):
//
//   resources/icons/NxN.png   N = 16 24 32 48 64 128 256 512 1024 (Linux; electron-builder
//                             takes the folder and installs each size in the icon theme)
//   resources/icon.png        1024 px (the window icon, and the fallback for every platform)
//   resources/icon.ico        16–256 px (Windows: the .exe, the installer, file associations)
//   resources/icon.icns       16–1024 px with the Retina (@2x) entries (macOS)
//
//   node scripts/icons.mjs           writes them
//   node scripts/icons.mjs --check   exit 1 if any committed file differs from what it would write
//
// The SVG is rendered at every size by resvg (@resvg/resvg-js, a Rust SVG renderer with
// prebuilt binaries on npm: no browser needed), never scaled down from a large bitmap, so
// small sizes stay sharp. png-to-ico writes the .ico (32-bit BMP entries, which every
// Windows version reads); @fiahfy/icns writes the .icns from the PNGs (the PNG entry types
// macOS has read since 10.7). Rendering is deterministic for a given resvg version, so
// --check is exact.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import pngToIco from 'png-to-ico';
import icns from '@fiahfy/icns';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resources = join(root, 'resources');

/** Every size we ship, in pixels. */
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
/** At and below this size the simplified drawing (icon-small.svg) is used. */
export const SMALL_MAX = 32;
/** The sizes in icon.ico (Windows shows 16–256; larger entries are ignored). */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/**
 * The .icns entries: Apple's OSType for each pixel size. ic11–ic14 are the Retina (@2x)
 * versions of 16, 32, 128 and 256 pt; ic10 is 512 pt @2x.
 */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['ic11', 32],
  ['icp5', 32],
  ['ic12', 64],
  ['icp6', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];

/** A PNG of `svg` at `size` × `size` pixels. */
export function renderPng(svg, size) {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' });
  return Buffer.from(resvg.render().asPng());
}

/** Every file this script makes: path relative to resources/ → bytes. */
export async function makeIcons() {
  const large = readFileSync(join(resources, 'icon.svg'), 'utf8');
  const small = readFileSync(join(resources, 'icon-small.svg'), 'utf8');
  const pngs = new Map(SIZES.map((size) => [size, renderPng(size <= SMALL_MAX ? small : large, size)]));
  const files = new Map();
  for (const [size, png] of pngs) files.set(`icons/${size}x${size}.png`, png);
  files.set('icon.png', pngs.get(1024));
  files.set('icon.ico', await pngToIco(ICO_SIZES.map((size) => pngs.get(size))));
  const image = new icns.Icns();
  for (const [type, size] of ICNS_TYPES) image.append(icns.IcnsImage.fromPNG(pngs.get(size), type));
  files.set('icon.icns', image.data);
  return files;
}

async function main() {
  const check = process.argv.includes('--check');
  const files = await makeIcons();
  const stale = [];
  for (const [name, bytes] of files) {
    const path = join(resources, name);
    if (check) {
      if (!existsSync(path) || !readFileSync(path).equals(bytes)) stale.push(name);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    console.log(`resources/${name}  ${bytes.length} bytes`);
  }
  if (stale.length > 0) {
    console.error(`out of date (run node scripts/icons.mjs): ${stale.map((n) => `resources/${n}`).join(', ')}`);
    process.exitCode = 1;
  } else if (check) {
    console.log(`all ${files.size} icon files match resources/icon.svg and icon-small.svg`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
