/** Units of information: estimates are computed in nats and converted at the edge. */

/** Factor from nats to the requested units. */
export function unitFactor(units: 'bits' | 'nats'): number {
  return units === 'bits' ? 1 / Math.LN2 : 1;
}
