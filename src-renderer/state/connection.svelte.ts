/** Whether the renderer is connected to the Node side. */
export const connection = $state<{ state: 'connecting' | 'open' | 'closed' }>({ state: 'connecting' });
