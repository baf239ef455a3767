/**
 * The preload bridge: exposes `window.layerlab` (request, onEvents, saveFile, openFile) with
 * contextBridge, and nothing else: no ipcRenderer, no Node. Runs sandboxed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CHANNELS = { request: 'layerlab:request', events: 'layerlab:events', save: 'layerlab:save', open: 'layerlab:open' } as const;

contextBridge.exposeInMainWorld('layerlab', {
  request: (text: string): Promise<string> => ipcRenderer.invoke(CHANNELS.request, String(text)),
  onEvents: (listener: (text: string) => void): (() => void) => {
    const handler = (_event: IpcRendererEvent, text: string) => listener(text);
    ipcRenderer.on(CHANNELS.events, handler);
    return () => ipcRenderer.removeListener(CHANNELS.events, handler);
  },
  saveFile: (name: string, data: string): Promise<{ saved: boolean; path?: string }> =>
    ipcRenderer.invoke(CHANNELS.save, { name: String(name), data: String(data) }),
  openFile: (): Promise<string | null> => ipcRenderer.invoke(CHANNELS.open),
});
