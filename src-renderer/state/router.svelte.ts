/**
 * Which view is open, in the address's hash so that Back, Forward and reload work:
 * #/runs, #/new, #/run/ID, #/compare/ID,ID,…, #/sweeps, #/sweep/ID, #/welcome, #/settings.
 */
import { onServer } from '../lib/first-view';

export type Route =
  | { view: 'runs' }
  | { view: 'new' }
  | { view: 'run'; id: string }
  | { view: 'compare'; ids: string[] }
  | { view: 'sweeps' }
  | { view: 'sweep'; id: string }
  | { view: 'welcome' }
  | { view: 'settings' };

function parse(hash: string): Route {
  const [view, arg = ''] = hash.replace(/^#\/?/, '').split('/');
  const id = decodeURIComponent(arg);
  if (view === 'new') return { view: 'new' };
  if (view === 'sweeps') return { view: 'sweeps' };
  if (view === 'welcome') return { view: 'welcome' };
  if (view === 'settings') return { view: 'settings' };
  if (view === 'run' && id) return { view: 'run', id };
  if (view === 'sweep' && id) return { view: 'sweep', id };
  if (view === 'compare') return { view: 'compare', ids: id.split(',').filter(Boolean) };
  return { view: 'runs' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'runs':
      return '#/runs';
    case 'new':
      return '#/new';
    case 'sweeps':
      return '#/sweeps';
    case 'welcome':
      return '#/welcome';
    case 'settings':
      return '#/settings';
    case 'run':
      return `#/run/${encodeURIComponent(route.id)}`;
    case 'sweep':
      return `#/sweep/${encodeURIComponent(route.id)}`;
    case 'compare':
      return `#/compare/${route.ids.map(encodeURIComponent).join(',')}`;
  }
}

// On the server that renders the page's first view there is no address: the runs table.
export const router = $state<{ route: Route }>({ route: onServer ? { view: 'runs' } : parse(location.hash) });

if (!onServer) {
  window.addEventListener('hashchange', () => {
    router.route = parse(location.hash);
  });
}

export function go(route: Route): void {
  location.hash = href(route);
}
