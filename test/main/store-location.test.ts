/** Where the store lives: the --store flag, then $LAYERLAB_HOME, then the platform's user data folder. */
import { describe, expect, it } from 'vitest';
import { resolveStoreDir } from '../../src-main/store';

const home = '/home/ada';
const cwd = '/work/project';

describe('resolveStoreDir', () => {
  it('takes the --store flag first, relative to the working folder', () => {
    expect(resolveStoreDir({ flag: '/data/runs', env: { LAYERLAB_HOME: '/elsewhere' }, home, cwd })).toBe('/data/runs');
    expect(resolveStoreDir({ flag: 'runs', env: {}, home, cwd })).toBe('/work/project/runs');
  });

  it('then $LAYERLAB_HOME, ignoring an empty one', () => {
    expect(resolveStoreDir({ env: { LAYERLAB_HOME: '/srv/layerlab' }, platform: 'linux', home, cwd })).toBe('/srv/layerlab');
    expect(resolveStoreDir({ env: { LAYERLAB_HOME: '' }, platform: 'linux', home, cwd })).toBe('/home/ada/.local/share/layerlab');
  });

  it('then the XDG data folder on Linux', () => {
    expect(resolveStoreDir({ env: {}, platform: 'linux', home, cwd })).toBe('/home/ada/.local/share/layerlab');
    expect(resolveStoreDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home, cwd })).toBe('/xdg/layerlab');
    // The XDG spec says a relative path there is invalid and must be ignored.
    expect(resolveStoreDir({ env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', home, cwd })).toBe(
      '/home/ada/.local/share/layerlab',
    );
  });

  it('Application Support on macOS', () => {
    expect(resolveStoreDir({ env: {}, platform: 'darwin', home: '/Users/ada', cwd })).toBe(
      '/Users/ada/Library/Application Support/Layerlab',
    );
  });

  it('%APPDATA% on Windows', () => {
    const winHome = 'C:\\Users\\ada';
    expect(resolveStoreDir({ env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, platform: 'win32', home: winHome, cwd: 'C:\\w' })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Layerlab',
    );
    expect(resolveStoreDir({ env: {}, platform: 'win32', home: winHome, cwd: 'C:\\w' })).toBe('C:\\Users\\ada\\AppData\\Roaming\\Layerlab');
    expect(resolveStoreDir({ flag: 'runs', env: {}, platform: 'win32', home: winHome, cwd: 'C:\\w' })).toBe('C:\\w\\runs');
  });

  it('uses the real environment by default', () => {
    expect(resolveStoreDir({ flag: '/x' })).toBe('/x');
  });
});
