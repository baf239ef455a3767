/**
 * Redraws in turn: the charts of a view that receive new data together (a run's cost and
 * accuracy) each redraw in an animation frame of their own, not all in one long task.
 * (Apart from lib/chart.ts, whose data functions the tests run without a DOM.)
 */
const turns = new Set<() => void>();
let turnFrame = 0;

/** Runs `draw` in a coming animation frame, one draw per frame; a waiting draw is not queued twice. */
export function inTurn(draw: () => void): void {
  turns.add(draw);
  turnFrame ||= requestAnimationFrame(nextTurn);
}

/** Forgets a waiting draw (its chart is going away). */
export function cancelTurn(draw: () => void): void {
  turns.delete(draw);
}

function nextTurn(): void {
  turnFrame = 0;
  const draw = turns.values().next().value;
  if (!draw) return;
  turns.delete(draw);
  draw();
  if (turns.size > 0) turnFrame = requestAnimationFrame(nextTurn);
}
