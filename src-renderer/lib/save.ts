/**
 * Saving a file the user asked for: a save dialog in Electron (the main process writes
 * it; the renderer never sees a path), a download in a browser.
 */
import { base64ToBytes, bytesToBase64 } from '../../src-api/binary';
import { bridge } from './transport';

export async function saveBase64(filename: string, mime: string, base64: string): Promise<string> {
  const b = bridge();
  if (b) {
    const result = await b.saveFile(filename, base64);
    return result.saved ? `Saved ${result.path ?? filename}` : 'Not saved';
  }
  const bytes = base64ToBytes(base64);
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return `Downloaded ${filename}`;
}

/** A canvas as a PNG file. */
export async function saveCanvasPng(canvas: HTMLCanvasElement, filename: string): Promise<string> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the picture could not be encoded');
  const base64 = bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
  return saveBase64(filename.endsWith('.png') ? filename : `${filename}.png`, 'image/png', base64);
}
