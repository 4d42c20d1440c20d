/**
 * Optimizers as data: the name and hyperparameters of the update rule an engine applies in
 * Network.step(lr), and the scalars one step needs. Each engine implements every rule here over its
 * own flat buffers (the reference engine in engines/reference/, the wasm engine in
 * engines/wasm/ and assembly/optim.ts), so this file says WHAT is computed and the engines say how.
 * The definitions are PyTorch's (torch.optim.SGD, Adam, AdamW), checked step by step against
 * PyTorch itself in test/engines/optimizers.test.ts.
 */

export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw'];

/**
 * Which update rule, with every hyperparameter (the ones a rule does not use are kept at their
 * defaults, so a spec is always complete and a model file records it in full).
 * - sgd:       g = grad + wd w;                          w -= lr g
 * - momentum:  g = grad + wd w;  v = mu v + g;            w -= lr v
 * - nesterov:  g = grad + wd w;  v = mu v + g;            w -= lr (g + mu v)
 *   (torch.optim.SGD with momentum=mu, dampening=0, nesterov=False/True; v starts at 0, so the
 *   first v equals g exactly as PyTorch's buffer does.)
 * - adam:      g = grad + wd w;  m = b1 m + (1-b1) g;  s = b2 s + (1-b2) g^2;
 *              w -= (lr / (1 - b1^t)) m / (sqrt(s) / sqrt(1 - b2^t) + eps)
 *   (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980, written as torch.optim.Adam computes it:
 *   eps is added after the bias correction of the square root.)
 * - adamw:     w *= 1 - lr wd; then adam's update without the wd term (decoupled weight decay,
 *   Loshchilov & Hutter 2019, https://arxiv.org/abs/1711.05101, as torch.optim.AdamW).
 */
export interface OptimizerSpec {
  name: OptimizerName;
  /** Momentum coefficient mu of momentum and nesterov, 0 <= mu < 1. */
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 coefficient added to the gradient (sgd, momentum, nesterov, adam), or decoupled decay (adamw). */
  weightDecay: number;
}

/** PyTorch's defaults, except momentum (PyTorch's is 0, which would make `momentum` plain SGD). */
export const OPTIMIZER_DEFAULTS = { momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** torch.optim.AdamW's default weight decay; every other rule defaults to none. */
export const ADAMW_DEFAULT_WEIGHT_DECAY = 0.01;

/** Plain SGD: w <- w - lr * dL/dw, with no state. */
export const SGD: OptimizerSpec = { name: 'sgd', ...OPTIMIZER_DEFAULTS, weightDecay: 0 };

/** The spec for a name, with default hyperparameters overridden by `settings`. */
export function optimizerSpec(name: OptimizerName, settings: Partial<Omit<OptimizerSpec, 'name'>> = {}): OptimizerSpec {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  return {
    name,
    ...OPTIMIZER_DEFAULTS,
    weightDecay: name === 'adamw' ? ADAMW_DEFAULT_WEIGHT_DECAY : 0,
    ...defined,
  };
}

/** How many parameter-sized state buffers a rule keeps: none, a velocity, or Adam's two moments. */
export function stateBuffers(name: OptimizerName): number {
  switch (name) {
    case 'sgd':
      return 0;
    case 'momentum':
    case 'nesterov':
      return 1;
    case 'adam':
    case 'adamw':
      return 2;
  }
}

/** Short text for logs and evaluate's header: `adamw (beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01)`. */
export function describeOptimizer(spec: OptimizerSpec): string {
  const parts: string[] = [];
  if (spec.name === 'momentum' || spec.name === 'nesterov') parts.push(`momentum ${spec.momentum}`);
  if (spec.name === 'adam' || spec.name === 'adamw') parts.push(`beta1 ${spec.beta1}`, `beta2 ${spec.beta2}`, `eps ${spec.eps}`);
  if (spec.weightDecay !== 0) parts.push(`weight decay ${spec.weightDecay}`);
  return parts.length === 0 ? spec.name : `${spec.name} (${parts.join(', ')})`;
}

/**
 * describeOptimizer for settings as a model file records them (older files: just a name, meaning no
 * decay); a name this version does not know is shown as it is.
 */
export function describeOptimizerSettings(
  name: string, settings: { momentum?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number },
): string {
  if (!(OPTIMIZERS as readonly string[]).includes(name)) return name;
  return describeOptimizer(optimizerSpec(name as OptimizerName, { ...settings, weightDecay: settings.weightDecay ?? 0 }));
}

/**
 * The scalars of step number `t` (1-based, as PyTorch counts) with learning rate lr: every engine
 * computes them the same way, once per step, so the per-element loops agree bit for bit.
 * - decay: what w is multiplied by first (1 - lr wd for adamw, else 1)
 * - l2: what times w is added to the gradient (wd, or 0 for adamw)
 * - stepSize: lr / (1 - b1^t) for adam/adamw, lr otherwise
 * - bc2Sqrt: sqrt(1 - b2^t) for adam/adamw
 */
export interface StepScalars {
  decay: number;
  l2: number;
  stepSize: number;
  bc2Sqrt: number;
}

export function stepScalars(spec: OptimizerSpec, t: number, lr: number): StepScalars {
  const adam = spec.name === 'adam' || spec.name === 'adamw';
  return {
    decay: spec.name === 'adamw' ? 1 - lr * spec.weightDecay : 1,
    l2: spec.name === 'adamw' ? 0 : spec.weightDecay,
    stepSize: adam ? lr / (1 - Math.pow(spec.beta1, t)) : lr,
    bc2Sqrt: adam ? Math.sqrt(1 - Math.pow(spec.beta2, t)) : 1,
  };
}
