/**
 * Learning-rate decay. "epoch" is the epoch number in mini-batch training and the
 * iteration number in full-batch training.
 */

export type DecaySchedule =
  /** lr0 / (1 + rate · floor(epoch / interval)): the course's schedule_lr_decay. */
  | { type: 'inverse_time'; rate: number; interval: number }
  /** lr0 · rate^floor(epoch / interval). */
  | { type: 'exponential'; rate: number; interval: number };

export function learningRateAt(lr0: number, epoch: number, decay?: DecaySchedule | null): number {
  if (!decay) return lr0;
  const steps = Math.floor(epoch / decay.interval);
  switch (decay.type) {
    case 'inverse_time':
      return lr0 / (1 + decay.rate * steps);
    case 'exponential':
      return lr0 * Math.pow(decay.rate, steps);
  }
}
