/**
 * The app icon files (scripts/icons.mjs): every size each platform asks for, read back from
 * the bytes by the PNG, ICO and ICNS layouts, and in step with resources/icon.svg.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerlabBuilderConfig } from '../../electron-builder.config';

const root = path.resolve(import.meta.dirname, '../..');
const resources = path.join(root, 'resources');
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** A PNG's width, height and colour type, from its IHDR chunk (which must come first). */
function pngHeader(bytes: Buffer): { width: number; height: number; colorType: number } {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colorType: bytes[25] };
}

describe('the app icon', () => {
  it('has a PNG with an alpha channel at every size, and a 1024 px icon.png', () => {
    for (const size of SIZES) {
      const header = pngHeader(readFileSync(path.join(resources, 'icons', `${size}x${size}.png`)));
      expect(header, `${size}x${size}.png`).toEqual({ width: size, height: size, colorType: 6 });
    }
    expect(pngHeader(readFileSync(path.join(resources, 'icon.png')))).toMatchObject({ width: 1024, height: 1024 });
  });

  it('has a Windows .ico with 16 to 256 px images', () => {
    const ico = readFileSync(path.join(resources, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]); // reserved, type 1 = icon
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const at = 6 + 16 * i;
      const width = ico[at] || 256;
      const [bytes, offset] = [ico.readUInt32LE(at + 8), ico.readUInt32LE(at + 12)];
      expect(ico.readUInt16LE(at + 6)).toBe(32); // bits per pixel
      expect(offset + bytes).toBeLessThanOrEqual(ico.length);
      // Each image is a 32-bit BMP: a 40-byte header whose height counts the mask too.
      expect([ico.readUInt32LE(offset), ico.readInt32LE(offset + 4), ico.readInt32LE(offset + 8)]).toEqual([40, width, 2 * width]);
      sizes.push(width);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS .icns with every size up to 1024 px, Retina entries included', () => {
    const icns = readFileSync(path.join(resources, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const found: Record<string, number> = {};
    for (let at = 8; at < icns.length; ) {
      const type = icns.toString('latin1', at, at + 4);
      const length = icns.readUInt32BE(at + 4);
      found[type] = pngHeader(icns.subarray(at + 8, at + length)).width;
      at += length;
    }
    // Apple's OSTypes: icp4/icp5/icp6 16/32/64 px, ic07–ic10 128–1024 px, ic11–ic14 the @2x of 16, 32, 128, 256 pt.
    expect(found).toEqual({ icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });

  it('is what scripts/icons.mjs makes from the SVG today', () => {
    const check = spawnSync(process.execPath, [path.join(root, 'scripts/icons.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('is the icon the installers use', () => {
    const config = layerlabBuilderConfig();
    const resolve = (icon: string | null | undefined) => path.join(root, config.directories!.buildResources!, icon!);
    expect(existsSync(resolve(config.linux!.icon))).toBe(true);
    expect(resolve(config.mac!.icon)).toBe(path.join(resources, 'icon.icns'));
    expect(resolve(config.win!.icon)).toBe(path.join(resources, 'icon.ico'));
  });
});
