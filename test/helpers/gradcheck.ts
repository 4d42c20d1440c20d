/**
 * Finite differences for gradient checks: d(loss)/d(params[i]) estimated by central differences,
 * (L(p + eps) - L(p - eps)) / 2eps, one parameter at a time, each restored afterwards. Used
 * against every engine's backward pass (analytic gradients), in float64 where the engine allows it.
 */

export function centralDifferences(params: Float32Array | Float64Array, loss: () => number, eps: number): Float64Array {
  const numeric = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const saved = params[i];
    params[i] = saved + eps;
    const plus = loss();
    params[i] = saved - eps;
    const minus = loss();
    params[i] = saved;
    numeric[i] = (plus - minus) / (2 * eps);
  }
  return numeric;
}
