/**
 * Bringing a data file to the workbench: the open dialog in Electron (the main process
 * grants that one file), an upload to `layerlab ui` in a browser (kept in the store's
 * imports folder). Either way the answer says what the file holds.
 */
import { type FileInfo, FileInfoSchema } from '../../src-api';
import { api } from './api';
import { bridge } from './transport';

/** Electron: shows the open dialog; null when cancelled. */
export async function openWithDialog(): Promise<FileInfo | null> {
  const b = bridge();
  if (!b) throw new Error('no dialog in a browser');
  const file = await b.openFile();
  return file ? api.call('datasets.inspect', { file }) : null;
}

/** Browser: uploads a file the user picked. */
export async function uploadFile(file: File): Promise<FileInfo> {
  const response = await fetch('/import', {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'X-Layerlab-Name': encodeURIComponent(file.name) },
    body: file,
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) throw new Error((body as { error?: string }).error ?? `the import failed (HTTP ${response.status})`);
  const parsed = FileInfoSchema.safeParse(body);
  if (!parsed.success) throw new Error('the import answer does not fit its schema');
  return parsed.data;
}

export const canUseDialog = (): boolean => bridge() !== undefined;
