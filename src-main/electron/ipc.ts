/**
 * The Electron transport of the API: the same dispatch as the WebSocket server, over
 * ipcMain.handle. Messages are JSON text (so one size limit and one schema check apply
 * to both transports); only our own window's main frame may call; a save request opens
 * a native dialog, and the renderer never names a path. Kept free of Electron imports at
 * run time so that tests drive it with a fake ipcMain.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { z } from 'zod';
import { base64ToBytes } from '../../src-api/binary';
import { API_LIMITS } from '../../src-api/schemas';
import { responseText } from '../api/raw-json';
import type { Connection, LayerlabApi } from '../api/service';

export const CHANNELS = {
  request: 'layerlab:request',
  events: 'layerlab:events',
  save: 'layerlab:save',
  open: 'layerlab:open',
} as const;

const SaveSchema = z.strictObject({
  name: z.string().min(1).max(200).regex(/^[^/\\\0]+$/, 'must be a file name, not a path'),
  data: z.string().max(Math.ceil(API_LIMITS.maxSaveBytes / 3) * 4),
});

export interface IpcOptions {
  api: LayerlabApi;
  /** Whether a frame URL is our renderer (file://…/out/renderer/index.html or the dev server). */
  isTrustedUrl: (url: string) => boolean;
  /** Shows a save dialog and writes the file; resolves to the chosen path or null. */
  saveFile: (sender: WebContents, name: string, bytes: Uint8Array) => Promise<string | null>;
  /** Shows an open dialog for a data file; resolves to the chosen path or null. */
  openFile: (sender: WebContents) => Promise<string | null>;
}

/** Registers the handlers; returns a function that removes them. */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, options: IpcOptions): () => void {
  const connections = new Map<number, Connection>();

  const trusted = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return frame !== null && frame !== undefined && frame.parent === null && options.isTrustedUrl(frame.url);
  };

  const connectionOf = (sender: WebContents): Connection => {
    let c = connections.get(sender.id);
    if (!c) {
      c = options.api.connect({
        send: (events) => {
          if (!sender.isDestroyed()) sender.send(CHANNELS.events, JSON.stringify({ events }));
        },
      });
      connections.set(sender.id, c);
      sender.once('destroyed', () => {
        connections.get(sender.id)?.close();
        connections.delete(sender.id);
      });
    }
    return c;
  };

  ipcMain.handle(CHANNELS.request, async (event, text: unknown) => {
    if (!trusted(event)) throw new Error('refused: not the Layerlab window');
    const response = await connectionOf(event.sender).dispatch(text as string);
    return responseText(response);
  });

  ipcMain.handle(CHANNELS.save, async (event, request: unknown) => {
    if (!trusted(event)) throw new Error('refused: not the Layerlab window');
    const parsed = SaveSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { saved: false, error: `${issue.path.join('.')}: ${issue.message}` };
    }
    const path = await options.saveFile(event.sender, parsed.data.name, base64ToBytes(parsed.data.data));
    return path ? { saved: true, path } : { saved: false };
  });

  // A data file chosen in the dialog becomes one the API may read (FileAccess.grant).
  ipcMain.handle(CHANNELS.open, async (event) => {
    if (!trusted(event)) throw new Error('refused: not the Layerlab window');
    const file = await options.openFile(event.sender);
    if (file) options.api.files.grant(file);
    return file;
  });

  return () => {
    ipcMain.removeHandler(CHANNELS.request);
    ipcMain.removeHandler(CHANNELS.save);
    ipcMain.removeHandler(CHANNELS.open);
    for (const c of connections.values()) c.close();
    connections.clear();
  };
}
