#!/usr/bin/env python3
"""Optimizer trajectories computed by PyTorch's own optimizers and schedulers, for the tests.

Run once, from the repository root, with Debian's Python and PyTorch (tried with torch 1.13.1
from `apt-get install -y python3-torch`; /usr/bin/python3 then has torch and numpy):

    /usr/bin/python3 scripts/make-optimizer-fixtures.py

It writes test/fixtures/optimizer-trajectories.json, which is committed; the test
(test/engines/optimizers.test.ts) runs both of our engines from the same initial weights and
batches and compares every step's parameters to these, to float32 tolerance.

A 4-5-3 network (ReLU hidden layer, softmax cross-entropy, mean over the batch) in float32, fixed
initial weights, three fixed batches of 4 rows used in turn, 8 steps. Each case is one optimizer
(torch.optim.SGD with momentum 0 / momentum / nesterov, Adam, AdamW), mostly with weight decay,
some with a learning-rate scheduler (CosineAnnealingLR, LinearLR warm-up then CosineAnnealingLR or
a constant rate via SequentialLR, OneCycleLR without momentum cycling) and some with
CrossEntropyLoss(label_smoothing=...). Parameters are listed in our canonical order: for each layer
the weight (out, in) row-major, then the bias -- the order of torch.nn.Linear's state dict.
"""

import json
import math
import os

import numpy as np
import torch

SIZES = [4, 5, 3]
STEPS = 8
BATCH = 4


def make_model():
    layers = []
    for i in range(len(SIZES) - 1):
        layers.append(torch.nn.Linear(SIZES[i], SIZES[i + 1]))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def linears(model):
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def flat(tensors):
    return [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]


def params_of(model):
    return flat([p for lin in linears(model) for p in (lin.weight, lin.bias)])


def set_params(model, values):
    values = list(values)
    at = 0
    with torch.no_grad():
        for lin in linears(model):
            for p in (lin.weight, lin.bias):
                n = p.numel()
                p.copy_(torch.tensor(values[at:at + n], dtype=torch.float32).reshape(p.shape))
                at += n


def make_optimizer(case, params):
    o = case["optimizer"]
    name, lr, wd = o["name"], case["lr"], o["weightDecay"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=o["momentum"], dampening=0, weight_decay=wd, nesterov=name == "nesterov")
    betas = (o["beta1"], o["beta2"])
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=o["eps"], weight_decay=wd)
    return torch.optim.AdamW(params, lr=lr, betas=betas, eps=o["eps"], weight_decay=wd)


def make_scheduler(case, opt):
    s = case["schedule"]
    w = case.get("warmupSteps", 0)
    if s == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=case["lr"], total_steps=STEPS, cycle_momentum=False)
    after = None
    if s == "cosine":
        after = lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS - w)
    elif w > 0:
        after = lambda: torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
    if w == 0:
        return after() if after else None
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / w, end_factor=1.0, total_iters=w - 1)
    return torch.optim.lr_scheduler.SequentialLR(opt, [warm, after()], milestones=[w])


def optimizer_state(case, opt, model):
    name = case["optimizer"]["name"]
    keys = [] if name == "sgd" else ["momentum_buffer"] if name in ("momentum", "nesterov") else ["exp_avg", "exp_avg_sq"]
    ps = [p for lin in linears(model) for p in (lin.weight, lin.bias)]
    return [flat([opt.state[p][k] for p in ps]) for k in keys]


def run(case, initial, batches):
    model = make_model()
    set_params(model, initial)
    opt = make_optimizer(case, model.parameters())
    sched = make_scheduler(case, opt)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=case.get("labelSmoothing", 0.0))
    lrs, losses, trajectory = [], [], []
    for step in range(STEPS):
        x, y = batches[step % len(batches)]
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = loss_fn(model(torch.tensor(x, dtype=torch.float32)), torch.tensor(y, dtype=torch.long))
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(float(loss))
        trajectory.append(params_of(model))
    return lrs, losses, trajectory, optimizer_state(case, opt, model)


def opt(name, weight_decay, **kw):
    spec = {"name": name, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": weight_decay}
    spec.update(kw)
    return spec


CASES = [
    {"name": "sgd, weight decay, constant", "optimizer": opt("sgd", 0.05), "lr": 0.2, "schedule": "constant"},
    {"name": "momentum, weight decay, cosine", "optimizer": opt("momentum", 0.01, momentum=0.8), "lr": 0.1, "schedule": "cosine"},
    {"name": "momentum, no weight decay, warm-up 3 then constant", "optimizer": opt("momentum", 0.0), "lr": 0.1, "schedule": "constant", "warmupSteps": 3},
    {"name": "nesterov, weight decay, warm-up 2 then cosine", "optimizer": opt("nesterov", 0.01), "lr": 0.1, "schedule": "cosine", "warmupSteps": 2},
    {"name": "adam, weight decay, constant", "optimizer": opt("adam", 0.02), "lr": 0.01, "schedule": "constant"},
    {"name": "adam, betas and eps, cosine, label smoothing 0.1", "optimizer": opt("adam", 0.0, beta1=0.8, beta2=0.99, eps=1e-3), "lr": 0.05, "schedule": "cosine", "labelSmoothing": 0.1},
    {"name": "adamw, weight decay 0.1, onecycle", "optimizer": opt("adamw", 0.1), "lr": 0.05, "schedule": "onecycle"},
    {"name": "adamw, default decay, warm-up 2 then cosine", "optimizer": opt("adamw", 0.01), "lr": 0.03, "schedule": "cosine", "warmupSteps": 2},
    {"name": "sgd, label smoothing 0.2, onecycle", "optimizer": opt("sgd", 0.0), "lr": 0.5, "schedule": "onecycle", "labelSmoothing": 0.2},
]


def expected_lr(case, step):
    """Our definition (src/training/schedule.ts), to check that the PyTorch schedulers agree with it."""
    lr, w, s = case["lr"], case.get("warmupSteps", 0), case["schedule"]
    if s == "onecycle":
        return None
    if step < w:
        return lr * (step + 1) / w
    if s == "constant":
        return lr
    return 0.5 * lr * (1 + math.cos(math.pi * (step - w) / (STEPS - w)))


def main():
    torch.manual_seed(0)
    rng = np.random.RandomState(20261127)
    count = sum(SIZES[i] * SIZES[i + 1] + SIZES[i + 1] for i in range(len(SIZES) - 1))
    initial = [float(np.float32(v)) for v in rng.uniform(-0.8, 0.8, count)]
    batches = []
    for _ in range(3):
        x = rng.uniform(0, 1, (BATCH, SIZES[0])).astype(np.float32)
        y = rng.randint(0, SIZES[-1], BATCH)
        batches.append((x.tolist(), [int(v) for v in y]))
    cases = []
    for case in CASES:
        lrs, losses, trajectory, state = run(case, initial, batches)
        for step, lr in enumerate(lrs):
            want = expected_lr(case, step)
            if want is not None and abs(lr - want) > 1e-9 * max(1.0, abs(want)):
                raise SystemExit(f"{case['name']}: PyTorch's lr at step {step} is {lr}, our definition gives {want}")
        cases.append({**case, "lrs": lrs, "losses": losses, "params": trajectory, "state": state})
    doc = {
        "generator": "scripts/make-optimizer-fixtures.py",
        "torch": torch.__version__,
        "sizes": SIZES,
        "activation": "relu",
        "loss": "cross-entropy",
        "steps": STEPS,
        "initial": initial,
        "batches": [{"x": [float(v) for row in x for v in row], "labels": y} for x, y in batches],
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "optimizer-trajectories.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(out)}: {len(cases)} cases, {STEPS} steps each, torch {torch.__version__}")


if __name__ == "__main__":
    main()
