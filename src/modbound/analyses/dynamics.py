"""Dynamics of trained CTRNNs: Jacobians, fixed/slow points, higher-order nullclines, vector fields, lesions.

The update of every network (paper Methods; :class:`modbound.models.rnn.CTRNNEnsemble`) is

    F(h, x) = relu((1 - alpha) h + alpha (W_in x + W_rec h + b)),   alpha = dt / tau.

Every function takes stacked weights ``{name: [M, ...]}`` (numpy arrays or tensors, as in
:attr:`modbound.models.ensembles.Activity.weights`; see :func:`weights_of` for a model) and states ``[M, N, H]``
and works on all networks and states at once with torch (no Python loop over states, grid points or
lesions). Inputs ``x`` are ``[I]`` (one input for everything), ``[N, I]`` or ``[M, N, I]``.

* :func:`jacobian`: ``dF/dh = diag(relu'(pre)) ((1 - alpha) I + alpha W_rec)`` (analytic ReLU mask, with
  ``relu'(0) = 0`` as torch's autograd); :func:`jacobian_autograd` computes the same with
  ``torch.func.vmap(jacrev)``; both are checked against finite differences in the tests.
  :func:`mean_jacobian` averages it over states (task trajectories, fixed points).
* :func:`minimise_speed`: gradient descent (Adam, as the gyyang nn-brain tutorial) on
  ``q(h) = 1/2 |F(h, x) - h|^2`` from many initial states: fixed points and slow points (Sussillo & Barak
  2013). With ``free_unit`` the term of one unit is left out of ``q``: samples of the higher-order
  nullcline of that unit (every unit but one stationary; paper Methods "Nullcline approximation"),
  see :func:`nullcline_samples`, :func:`nullcline_similarity` (two nullclines' sampled clouds compared) and
  :func:`nullcline_directions`; initial states spread over the recording by :func:`spread_states`.
* :func:`pca`, :func:`pc_grid`, :func:`from_pcs`: a grid of states in the plane of the first two principal
  components of the activity (Fig 6: 25 x 25 = 625 states spanning the activity).
* :func:`neuron_lesion_weights`, :func:`flow_distances`: one lesioned copy of the network per recurrent unit,
  all stepped at once; the Euclidean distance between lesioned and intact next states (paper Methods
  "Lesion similarity").
* :func:`within_module_rank`, :func:`lesion_levels`: within-module lesions of the largest positive recurrent
  weights, one at a time (paper Methods "module lesions"); removing the current largest weight k times is
  the same as zeroing the k largest, so every lesion level is built at once. :func:`run_constant` runs
  networks under a constant input (perturbation trials, the long run of Fig 6's grid states), and
  :func:`classify_end_states` says where a long run ends: fixed point, closed periodic orbit or neither.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from modbound.core import device as device_mod
from modbound.core.similarity import cosine_similarity, upper  # noqa: F401  alias for the figures (modbound.core.similarity.upper); remove when unused

__all__ = [
    "DTYPE",
    "as_tensors",
    "weights_of",
    "input_drive",
    "update",
    "jacobian",
    "jacobian_autograd",
    "mean_jacobian",
    "sample_states",
    "spread_states",
    "minimise_speed",
    "nullcline_samples",
    "nullcline_directions",
    "nullcline_similarity",
    "pca",
    "project",
    "from_pcs",
    "pc_grid",
    "neuron_lesion_weights",
    "flow_distances",
    "within_module_rank",
    "lesion_levels",
    "run_constant",
    "classify_end_states",
    "END_STATES",
]

DTYPE = torch.float64
_NAMES = ("W_in", "W_rec", "b", "W_out", "b_out")
LESION_MODES = ("in_out", "silence")
_CHUNK_ELEMENTS = 1 << 23  # elements of the largest temporary a batched lesion step may allocate
STOP_FRACTION = 0.5       # minimise_speed(tol=...): a state stops once q < STOP_FRACTION * tol
CHECK_EVERY = 25          # minimise_speed(tol=...): steps between packings of the states still moving
PACK_FRACTION = 0.9       # ... packed when at most this fraction of the batch still moves (packing costs ~1 step)


# ---------------------------------------------------------------------------------------------- weights


def as_tensors(weights: Mapping, dtype: torch.dtype = DTYPE) -> dict[str, torch.Tensor]:
    """Stacked weights ``{name: [M, ...]}`` as tensors of ``dtype`` (missing readout weights allowed).

    Raises ``ValueError`` when ``W_in``, ``W_rec`` or ``b`` is missing or the shapes disagree.
    """
    missing = [n for n in ("W_in", "W_rec", "b") if n not in weights]
    if missing:
        raise ValueError(f"weights: missing {missing} (have {sorted(weights)})")
    out = {n: torch.as_tensor(np.asarray(weights[n]) if not isinstance(weights[n], torch.Tensor) else weights[n])
           .detach().to(dtype) for n in _NAMES if n in weights}
    W_rec, W_in, b = out["W_rec"], out["W_in"], out["b"]
    if W_rec.dim() != 3 or W_rec.shape[1] != W_rec.shape[2]:
        raise ValueError(f"weights: W_rec must be [M, H, H], got {tuple(W_rec.shape)}")
    M, H = W_rec.shape[:2]
    if W_in.dim() != 3 or W_in.shape[:2] != (M, H) or tuple(b.shape) != (M, H):
        raise ValueError(f"weights: W_in {tuple(W_in.shape)} / b {tuple(b.shape)} do not match "
                         f"W_rec {tuple(W_rec.shape)}")
    return out


def weights_of(model, dtype: torch.dtype = DTYPE) -> dict[str, torch.Tensor]:
    """Stacked weights of a :class:`modbound.models.rnn.CTRNNEnsemble` (detached copies)."""
    return as_tensors({n: getattr(model, n).detach() for n in _NAMES}, dtype)


def _state(h, dtype=DTYPE) -> torch.Tensor:
    h = torch.as_tensor(h).to(dtype)
    if h.dim() != 3:
        raise ValueError(f"states must be [M, N, H], got {tuple(h.shape)}")
    return h


def input_drive(w: Mapping[str, torch.Tensor], x) -> torch.Tensor:
    """``W_in x + b``: ``[M, N, H]`` for x ``[M, N, I]``, ``[M, 1, H]`` for x ``[I]`` or ``[N, I]`` shared."""
    W_in = w["W_in"]
    x = torch.as_tensor(x).to(device=W_in.device, dtype=W_in.dtype)
    if x.dim() == 1:
        x = x[None, None]
    elif x.dim() == 2:
        x = x[None]
    elif x.dim() != 3:
        raise ValueError(f"inputs must be [I], [N, I] or [M, N, I], got {tuple(x.shape)}")
    if x.shape[-1] != W_in.shape[2]:
        raise ValueError(f"inputs have {x.shape[-1]} channels, W_in expects {W_in.shape[2]}")
    return torch.matmul(x, W_in.transpose(1, 2)) + w["b"][:, None, :]


def preactivation(W_rec: torch.Tensor, drive: torch.Tensor, h: torch.Tensor, alpha: float) -> torch.Tensor:
    """Pre-activation ``(1 - alpha) h + alpha (W_rec h + drive)``; W_rec ``[..., H, H]``, h ``[..., N, H]``."""
    rec = torch.matmul(h, W_rec.transpose(-1, -2)) + drive
    return rec if alpha == 1.0 else (1.0 - alpha) * h + alpha * rec


def update(w: Mapping[str, torch.Tensor], h, x, alpha: float = 1.0) -> torch.Tensor:
    """One step ``F(h, x)`` of every network: h ``[M, N, H]`` -> ``[M, N, H]`` (differentiable in h)."""
    h = h if isinstance(h, torch.Tensor) and h.dtype == w["W_rec"].dtype else _state(h, w["W_rec"].dtype)
    return torch.relu(preactivation(w["W_rec"], input_drive(w, x), h, alpha))


# -------------------------------------------------------------------------------------------- Jacobians


def _propagator(W_rec: torch.Tensor, alpha: float) -> torch.Tensor:
    """``(1 - alpha) I + alpha W_rec`` ``[M, H, H]``."""
    eye = torch.eye(W_rec.shape[-1], dtype=W_rec.dtype)
    return alpha * W_rec + (1.0 - alpha) * eye


def jacobian(w: Mapping[str, torch.Tensor], h, x, alpha: float = 1.0) -> torch.Tensor:
    """``dF/dh`` at every state: ``[M, N, H, H]`` with ``J[m, n, i, j] = dF_i / dh_j`` (analytic)."""
    h = _state(h, w["W_rec"].dtype)
    mask = (preactivation(w["W_rec"], input_drive(w, x), h, alpha) > 0).to(h.dtype)
    return mask[..., :, None] * _propagator(w["W_rec"], alpha)[:, None]


def jacobian_autograd(w: Mapping[str, torch.Tensor], h, x, alpha: float = 1.0) -> torch.Tensor:
    """Same as :func:`jacobian`, by reverse-mode autograd (``torch.func.vmap`` over models and states)."""
    h = _state(h, w["W_rec"].dtype)
    M, N, _ = h.shape
    x = torch.as_tensor(x).to(h.dtype)
    x = x.expand(M, N, x.shape[-1]) if x.dim() < 3 else x

    def f(W_in, W_rec, b, hh, xx):
        return torch.relu((1.0 - alpha) * hh + alpha * (W_rec @ hh + W_in @ xx + b))

    per_state = torch.func.vmap(torch.func.jacrev(f, argnums=3), in_dims=(None, None, None, 0, 0))
    return torch.func.vmap(per_state)(w["W_in"], w["W_rec"], w["b"], h, x)


def mean_jacobian(w: Mapping[str, torch.Tensor], h, x, alpha: float = 1.0, valid=None) -> torch.Tensor:
    """Mean Jacobian over the states of each network ``[M, H, H]``.

    ``valid [M, N]`` (bool) restricts the mean to some states per network (e.g. the slow points kept);
    a network with no valid state gets a zero matrix. Equals ``jacobian(...).mean(1)`` without forming
    ``[M, N, H, H]``: only the ReLU mask depends on the state.
    """
    h = _state(h, w["W_rec"].dtype)
    mask = (preactivation(w["W_rec"], input_drive(w, x), h, alpha) > 0).to(h.dtype)  # [M, N, H]
    if valid is None:
        frac = mask.mean(1)
    else:
        v = torch.as_tensor(np.asarray(valid)).to(h.dtype)
        frac = (mask * v[..., None]).sum(1) / v.sum(1).clamp_min(1.0)[:, None]
    return frac[..., None] * _propagator(w["W_rec"], alpha)


# ---------------------------------------------------------------------------- fixed points, nullclines


def sample_states(hidden: np.ndarray, n: int, noise: float, rng: np.random.Generator,
                  return_index: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``n`` initial states per network: recorded states ``hidden [M, T, H]`` drawn at random, plus Gaussian
    noise of sd ``noise`` times the network's activity sd. Returns ``[M, n, H]`` float64 (with ``return_index``,
    also the recorded step ``[M, n]`` each state was drawn from; the same draws either way)."""
    hidden = np.asarray(hidden, dtype=np.float64)
    if hidden.ndim != 3:
        raise ValueError(f"hidden must be [M, T, H], got {hidden.shape}")
    M, T, H = hidden.shape
    idx = rng.integers(T, size=(M, n))
    states = _noisy(hidden, idx, noise, rng)
    return (states, idx) if return_index else states


def spread_states(hidden: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` initial states per network spread over the whole recording: the ``T`` recorded states
    ``hidden [M, T, H]`` (in time order: every analysed step of every trial) are cut into ``n`` consecutive
    strata of equal length and one state is drawn at random in each (stratified sampling), plus Gaussian
    noise of sd ``noise`` times the network's activity sd (as :func:`sample_states`). So the states cover every
    part of the recording (all trials and task periods) rather than a random, possibly clustered subset.
    Returns ``[M, n, H]`` float64."""
    hidden = np.asarray(hidden, dtype=np.float64)
    if hidden.ndim != 3:
        raise ValueError(f"hidden must be [M, T, H], got {hidden.shape}")
    M, T, H = hidden.shape
    if n < 1:
        raise ValueError(f"spread_states: need n >= 1, got {n}")
    idx = np.floor((np.arange(n)[None, :] + rng.random((M, n))) * T / n).astype(np.int64)
    return _noisy(hidden, np.minimum(idx, T - 1), noise, rng)


def _noisy(hidden: np.ndarray, idx: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Recorded states ``hidden[m, idx[m]]`` plus Gaussian noise of sd ``noise`` x the network's activity sd."""
    M, n = idx.shape
    states = hidden[np.arange(M)[:, None], idx]
    sd = hidden.reshape(M, -1).std(axis=1)
    return states + noise * sd[:, None, None] * rng.standard_normal((M, n, hidden.shape[2]))


def _descend(W_rec: torch.Tensor, drive: torch.Tensor, h0: torch.Tensor, weight: torch.Tensor, alpha: float, *,
             n_steps: int, lr: float, stop: float, check_every: int, betas=(0.9, 0.999),
             eps: float = 1e-8) -> torch.Tensor:
    """Adam on ``q`` (as ``torch.optim.Adam`` with its defaults) where a state with ``q < stop`` stops moving.

    The gradient is analytic: with ``delta = F(h) - h``, ``u = c * delta * relu'(pre)``,
    ``dq/dh = (1 - alpha) u + alpha u W_rec - c * delta``. States still moving are packed per network (to the
    largest count any network has) every ``check_every`` steps; states are independent, so packing changes no
    state's path. Returns the final states ``[M, N, H]`` (in ``h0``'s dtype)."""
    M, N, H = h0.shape
    out = h0.clone()
    per_state_drive = drive.shape[1] != 1                  # else [M, 1, H], one input for every state
    weight = weight.expand(M, N, H)
    idx = torch.arange(N, device=h0.device).expand(M, N)   # position in ``out`` of each packed state
    h, dr, c = h0.clone(), drive, weight
    m, v = torch.zeros_like(h), torch.zeros_like(h)
    moving = torch.ones((M, N), dtype=torch.bool, device=h0.device)
    Wt = W_rec.transpose(1, 2)
    b1, b2 = betas
    for t in range(1, n_steps + 1):
        pre = torch.baddbmm(dr, h, Wt)
        if alpha != 1.0:
            pre = (1.0 - alpha) * h + alpha * pre
        on = pre > 0
        delta = torch.relu(pre).sub_(h)
        cd = c * delta
        moving &= (cd * delta).sum(-1) >= 2.0 * stop          # q = 1/2 sum_j c_j delta_j^2
        if (t - 1) % check_every == 0:
            if not bool(moving.any()):
                break
            keep = int(moving.sum(1).max())
            if keep <= PACK_FRACTION * h.shape[1]:           # pack: the moving states first, the rest dropped
                out.scatter_(1, idx[..., None].expand_as(h), h)
                order = torch.argsort((~moving).to(torch.int8), dim=1, stable=True)[:, :keep]
                take = order[..., None].expand(M, keep, H)
                h, m, v, c = (torch.gather(a, 1, take) for a in (h, m, v, c))
                cd, on = (torch.gather(a, 1, take) for a in (cd, on))
                if per_state_drive:
                    dr = torch.gather(dr, 1, take)
                idx, moving = torch.gather(idx, 1, order), torch.gather(moving, 1, order)
        u = cd * on
        grad = torch.bmm(u, W_rec)
        if alpha != 1.0:
            grad = alpha * grad + (1.0 - alpha) * u
        grad.sub_(cd)
        m.mul_(b1).add_(grad, alpha=1 - b1)
        v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denom = v.sqrt().div_((1 - b2 ** t) ** 0.5).add_(eps)   # torch.optim.Adam's order of operations
        step = (m / denom).mul_(moving[..., None])
        h = h.sub_(step, alpha=lr / (1 - b1 ** t))
    out.scatter_(1, idx[..., None].expand_as(h), h)
    return out


def minimise_speed(w: Mapping[str, torch.Tensor], x, h0, alpha: float = 1.0, *, n_steps: int, lr: float,
                   free_unit=None, dtype: torch.dtype = DTYPE, tol: float | None = None,
                   check_every: int = CHECK_EVERY, device: str | torch.device | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent (Adam) on ``q(h) = 1/2 sum_j c_j (F_j(h, x) - h_j)^2`` from every initial state.

    ``h0 [M, N, H]``; ``c_j = 1`` for all units (fixed/slow points), or, with ``free_unit [N]`` (ints),
    ``c_j = 0`` for ``j = free_unit[n]`` in state n (higher-order nullcline of that unit). States are
    independent: the summed loss gives each state its own gradient and Adam is elementwise. The descent
    runs in ``dtype`` (float64 by default; float32 is ~1.5x faster on CPU, but Adam then jitters at
    q ~ 1e-7 instead of converging). Returns ``(states [M, N, H], q [M, N])`` as float64 numpy arrays, q
    recomputed in float64.

    ``tol``: a state whose ``q`` (in ``dtype``, before an update) is below ``STOP_FRACTION * tol`` has converged
    and is no longer updated (it stays where it first got there; half the tolerance, so that rounding in
    float32 cannot leave a stopped state above ``tol``); every ``check_every`` steps the states still moving are
    packed together so that stopped ones cost nothing, and the descent ends when none moves. Without ``tol``
    every state takes all ``n_steps`` (``torch.optim.Adam``); with it the same Adam update is computed directly
    (analytic gradient, :func:`_descend`), which gives the same states up to rounding until a state stops.

    ``device`` (config ``device``; None = cpu, :mod:`modbound.core.device`): where the descent runs; the returned
    states and their float64 ``q`` are computed back on the CPU.
    """
    dev = device_mod.resolve(device, "minimise_speed: device")
    w64 = {k: v.to(device="cpu", dtype=DTYPE) for k, v in w.items()}
    w = {k: v.to(device=dev, dtype=dtype) for k, v in w.items()}
    h0 = _state(h0, dtype).to(dev)
    drive = input_drive(w, x).detach()
    if free_unit is None:
        weight = torch.ones((), dtype=h0.dtype, device=dev)
    else:
        free = torch.as_tensor(np.asarray(free_unit), dtype=torch.long)
        if free.shape != (h0.shape[1],):
            raise ValueError(f"free_unit must have one entry per state ({h0.shape[1]}), got {tuple(free.shape)}")
        weight = (1.0 - torch.nn.functional.one_hot(free, h0.shape[2]).to(h0.dtype)[None]).to(dev)

    if tol is not None:
        h = _descend(w["W_rec"], drive, h0, weight, alpha, n_steps=int(n_steps), lr=lr,
                     stop=STOP_FRACTION * float(tol), check_every=int(check_every)).to(device="cpu", dtype=DTYPE)
    else:
        def speed(h):
            delta = torch.relu(preactivation(w["W_rec"], drive, h, alpha)) - h
            return 0.5 * (weight * delta * delta).sum(-1)

        h = h0.clone().requires_grad_(True)
        opt = torch.optim.Adam([h], lr=lr)
        for _ in range(int(n_steps)):
            opt.zero_grad(set_to_none=True)
            speed(h).sum().backward()
            opt.step()
        h = h.detach().to(device="cpu", dtype=DTYPE)
    with torch.no_grad():
        delta = torch.relu(preactivation(w64["W_rec"], input_drive(w64, x), h, alpha)) - h
        q = 0.5 * (weight.to(device="cpu", dtype=DTYPE) * delta * delta).sum(-1)
    return h.numpy(), q.numpy()


def nullcline_samples(w: Mapping[str, torch.Tensor], x, h0, alpha: float = 1.0, *, n_steps: int,
                      lr: float, dtype: torch.dtype = DTYPE, tol: float | None = None,
                      device: str | torch.device | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Samples of the higher-order nullcline of every unit (every unit but ``i`` stationary).

    ``h0 [M, S, H]``: the same S initial states are used for every unit's nullcline. Returns
    ``(samples [M, H, S, H], q [M, H, S])``: ``samples[m, i, s]`` is a state where ``F_j(h) = h_j`` for all
    ``j != i`` (approximately: ``q`` is the remaining ``1/2 sum_{j != i} (F_j - h_j)^2``, in float64). ``dtype``:
    the precision of the descent; ``tol``: samples below it stop; ``device``: where it runs (:func:`minimise_speed`).
    """
    h0 = _state(h0, w["W_rec"].dtype)
    M, S, H = h0.shape
    start = h0[:, None].expand(M, H, S, H).reshape(M, H * S, H)
    free = np.repeat(np.arange(H), S)
    h, q = minimise_speed(w, x, start, alpha, n_steps=n_steps, lr=lr, free_unit=free, dtype=dtype, tol=tol,
                          device=device)
    return h.reshape(M, H, S, H), q.reshape(M, H, S)


def nullcline_directions(samples: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Direction of each sampled nullcline: ``[..., H(i), H]`` from samples ``[..., H(i), S, H]``.

    ``d[i, u]`` is the least-squares slope of unit u's state on unit i's state across the samples of
    nullcline i (so ``d[i, i] = 1``): how the other units' stationary states move as unit i, the one unit
    left free, changes. A nullcline whose samples do not vary in unit i gets a zero row.
    """
    s = np.asarray(samples, dtype=np.float64)
    c = s - s.mean(axis=-2, keepdims=True)
    H = s.shape[-1]
    own = np.take_along_axis(c, np.arange(H).reshape((1,) * (c.ndim - 3) + (H, 1, 1)), axis=-1)[..., 0]
    var = (own**2).sum(-1)
    cov = np.einsum("...is,...isu->...iu", own, c)
    ok = var > tol * s.shape[-2]
    return np.where(ok[..., None], cov / np.where(ok, var, 1.0)[..., None], 0.0)


def nullcline_similarity(samples: np.ndarray) -> np.ndarray:
    """Similarity of sampled nullclines as point clouds: ``[..., H(i), H(i)]`` from samples ``[..., H(i), S, H]``.

    Sample ``s`` of every nullcline starts from the same initial state (:func:`nullcline_samples`), so two
    nullclines' clouds are paired sample by sample. Each cloud is centred on its own mean state (its position
    in state space is removed, its shape kept); the similarity of nullclines i and j is the correlation of the
    centred clouds over all samples and units, ``sum_{s,u} c_i[s,u] c_j[s,u] / (|c_i| |c_j|)`` (the cosine of
    the flattened ``[S * H]`` deviations). It is 1 for identical (or shifted, or scaled) clouds, -1 for
    mirrored ones and ~0 for clouds that vary independently, and, unlike the cosine of one direction per
    nullcline (:func:`nullcline_directions`), two clouds along the same axis are similar only when their
    samples move along it together. A cloud without spread (every sample at one state) gets similarity 0
    with every cloud, itself included (as :func:`modbound.core.similarity.cosine_similarity`'s zero rows).
    """
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim < 3:
        raise ValueError(f"samples must be [..., H, S, H], got {s.shape}")
    c = s - s.mean(axis=-2, keepdims=True)
    flat = c.reshape(*c.shape[:-2], -1)
    scale = np.abs(s).max(initial=0.0)
    norm = np.linalg.norm(flat, axis=-1, keepdims=True)
    flat = np.where(norm > 1e-12 * max(scale, 1.0) * np.sqrt(flat.shape[-1]), flat, 0.0)
    return cosine_similarity(flat)


# --------------------------------------------------------------------------------------------- PC space


def pca(X: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal components of ``X [T, H]``: ``(mean [H], components [n, H], explained-variance ratio [n])``.

    Each component's sign makes its largest-magnitude loading positive (deterministic).
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    _, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    comps = Vt[:n].copy()
    flip = np.sign(comps[np.arange(comps.shape[0]), np.abs(comps).argmax(axis=1)])
    comps *= np.where(flip == 0, 1.0, flip)[:, None]
    var = S**2 / max(float((S**2).sum()), np.finfo(float).tiny)
    return mean, comps, var[:n]


def project(X: np.ndarray, mean: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """Scores of states ``X [..., H]`` on the components ``[n, H]``."""
    return (np.asarray(X, dtype=np.float64) - mean) @ np.asarray(comps).T


def from_pcs(scores: np.ndarray, mean: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """States ``[..., H]`` at the given PC scores ``[..., n]`` (the plane through the activity mean)."""
    return mean + np.asarray(scores, dtype=np.float64) @ np.asarray(comps)


def pc_grid(scores: np.ndarray, n: int = 25, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An ``n x n`` grid spanning the range of ``scores [T, 2]`` (widened by ``margin`` x range on each side).

    Returns ``(grid [n * n, 2], axis1 [n], axis2 [n])``; PC1 varies fastest (row-major, as ``meshgrid``).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != 2:
        raise ValueError(f"scores must be [T, 2], got {scores.shape}")
    if n < 2:
        raise ValueError(f"grid size must be >= 2, got {n}")
    lo, hi = scores.min(axis=0), scores.max(axis=0)
    pad = margin * (hi - lo)
    a1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    a2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    g1, g2 = np.meshgrid(a1, a2)
    return np.column_stack([g1.ravel(), g2.ravel()]), a1, a2


# ------------------------------------------------------------------------------------- neuron lesions


def neuron_lesion_weights(W_rec, mode: str = "in_out") -> torch.Tensor:
    """One lesioned copy of ``W_rec [M, H, H]`` per unit: ``[M, H(lesioned unit), H, H]``.

    ``"in_out"``: unit l's incoming and outgoing recurrent weights are zero (row and column l; paper
    Results); ``"silence"``: its outgoing weights (column l) are zero (:func:`flow_distances` also holds its
    state at 0, removing the unit).
    """
    if mode not in LESION_MODES:
        raise ValueError(f"lesion mode must be one of {LESION_MODES}, got {mode!r}")
    W = torch.as_tensor(W_rec)
    H = W.shape[-1]
    eye = torch.eye(H, dtype=torch.bool)
    cut = eye[:, None, :].expand(H, H, H)  # [l, r, c]: column l
    if mode == "in_out":
        cut = cut | eye[:, :, None]  # row l
    return W[:, None] * (~cut).to(W.dtype)


def flow_distances(w: Mapping[str, torch.Tensor], states, x, alpha: float = 1.0, *,
                   mode: str = "in_out") -> tuple[np.ndarray, np.ndarray]:
    """Flow distance of every single-unit lesion at every state.

    ``states [M, G, H]`` (e.g. the 625 grid states). Every network and all its H lesioned copies take one
    step from every state (batched; chunked over networks to bound memory). Returns
    ``(distance [M, H(lesioned unit), G], next_intact [M, G, H])`` with
    ``distance[m, l, g] = |F_lesion_l(h_g) - F(h_g)|`` (Euclidean, in the full H-dim space).
    """
    states = _state(states, w["W_rec"].dtype)
    M, G, H = states.shape
    drive = input_drive(w, x)  # [M, 1 or G, H]
    intact = torch.relu(preactivation(w["W_rec"], drive, states, alpha))
    out = torch.empty((M, H, G), dtype=states.dtype)
    chunk = max(1, _CHUNK_ELEMENTS // (H * G * H))
    for lo in range(0, M, chunk):
        sl = slice(lo, lo + chunk)
        Wl = neuron_lesion_weights(w["W_rec"][sl], mode)  # [m, H, H, H]
        nxt = torch.relu(preactivation(Wl, drive[sl, None], states[sl, None], alpha))  # [m, H, G, H]
        if mode == "silence":
            nxt = nxt * (1.0 - torch.eye(H, dtype=nxt.dtype))[None, :, None, :]
        out[sl] = torch.linalg.vector_norm(nxt - intact[sl, None], dim=-1)
    return out.numpy(), intact.numpy()


# -------------------------------------------------------------------------------- within-module lesions


def within_module_rank(W_rec: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order in which within-module positive weights are lesioned, largest first.

    ``W_rec [M, H, H]`` and ``members [M, H]`` (bool: units of the module). Returns
    ``(rank [M, H, H], n_eligible [M])``: ``rank[m, i, j] = k`` if ``W[i, j]`` is the (k+1)-th largest
    positive weight with i and j in the module (self-connections included), and ``H * H`` (never lesioned)
    otherwise. Ties are broken by flat index (stable sort), so the order is deterministic.
    """
    W = np.asarray(W_rec, dtype=np.float64)
    members = np.asarray(members, dtype=bool)
    if W.ndim != 3 or members.shape != W.shape[:2]:
        raise ValueError(f"W_rec [M, H, H] and members [M, H] expected, got {W.shape} and {members.shape}")
    M, H, _ = W.shape
    eligible = members[:, :, None] & members[:, None, :] & (W > 0)
    key = np.where(eligible, -W, np.inf).reshape(M, -1)
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(H * H)[None].repeat(M, 0), axis=1)
    rank = np.where(eligible.reshape(M, -1), rank, H * H).reshape(M, H, H)
    return rank, eligible.sum(axis=(1, 2))


def lesion_levels(W_rec: np.ndarray, rank: np.ndarray, levels) -> np.ndarray:
    """``W_rec [M, H, H]`` after each number of lesions in ``levels [K]``: ``[M, K, H, H]``.

    After k lesions the k largest within-module positive weights (``rank < k``) are zero -- the same as
    zeroing the current largest one k times (tested against that loop).
    """
    W = np.asarray(W_rec)
    levels = np.asarray(levels)
    return np.where(np.asarray(rank)[:, None] < levels[None, :, None, None], 0.0, W[:, None]).astype(W.dtype)


def run_constant(w: Mapping[str, torch.Tensor], h0, x, alpha: float = 1.0, *, n_steps: int,
                 record: bool = False) -> np.ndarray:
    """Run every network from ``h0 [M, N, H]`` under a constant input ``x`` for ``n_steps`` steps.

    Returns the final states ``[M, N, H]``, or with ``record`` the trajectory ``[M, N, n_steps + 1, H]``
    (starting state included).
    """
    h = _state(h0, w["W_rec"].dtype)
    drive = input_drive(w, x)
    states = [h]
    with torch.no_grad():
        for _ in range(int(n_steps)):
            h = torch.relu(preactivation(w["W_rec"], drive, h, alpha))
            if record:
                states.append(h)
    return (torch.stack(states, dim=2) if record else h).numpy()


#: labels of :func:`classify_end_states` (index = class code)
END_STATES = ("fixed_point", "periodic_orbit", "neither")


def classify_end_states(window, *, fixed_tol, return_tol) -> tuple[np.ndarray, np.ndarray]:
    """Where each trajectory ends: on a fixed point, on a closed periodic orbit, or neither.

    ``window [..., W + 1, H]``: the last ``W + 1`` states of each trajectory (after a long run). With
    ``step_t = |h_(t+1) - h_t|`` and ``h_end`` the last state:

    * **fixed point** (code 0): every step of the window is shorter than ``fixed_tol`` (the state is still);
    * **periodic orbit** (code 1): not a fixed point, and for some period ``2 <= p <= W // 2`` the last
      period repeats the one before it, ``|h_t - h_(t-p)| < return_tol`` for each of the last ``p + 1`` states,
      while the orbit leaves the tolerance ball: some state of the last period lies at least ``return_tol``
      from ``h_end`` (a slow drift never satisfies both: its return distance and its excursion are the
      same number); the period is the smallest such ``p``;
    * **neither** (code 2): still moving and not periodic within the window (a slow transient, a drift, a
      period longer than ``W // 2`` steps, quasi-periodic or chaotic motion).

    ``fixed_tol`` and ``return_tol`` are distances in the states' units: scalars, or arrays broadcasting to
    the leading shape ``[...]`` (e.g. one per network, scaled by its activity). Returns ``(code [...]`` int,
    ``period [...]`` int, 0 where not periodic); labels in :data:`END_STATES`.
    """
    X = np.asarray(window, dtype=np.float64)
    if X.ndim < 2 or X.shape[-2] < 5:
        raise ValueError(f"classify_end_states: need a window [..., W + 1 >= 5, H] of states, got shape {X.shape}")
    lead = X.shape[:-2]
    fixed_tol = np.broadcast_to(np.asarray(fixed_tol, dtype=np.float64), lead)
    return_tol = np.broadcast_to(np.asarray(return_tol, dtype=np.float64), lead)
    if np.any(~np.isfinite(fixed_tol) | (fixed_tol <= 0) | ~np.isfinite(return_tol) | (return_tol <= 0)):
        raise ValueError("classify_end_states: fixed_tol and return_tol must be finite and positive")
    W = X.shape[-2] - 1
    X = X.reshape(-1, W + 1, X.shape[-1])
    fixed_tol, return_tol = fixed_tol.ravel(), return_tol.ravel()
    fixed = np.linalg.norm(np.diff(X, axis=1), axis=-1).max(axis=1) < fixed_tol
    period = np.zeros(X.shape[0], dtype=np.int64)
    from_end = np.linalg.norm(X - X[:, -1:], axis=-1)  # [N, W + 1]
    for p in range(2, W // 2 + 1):
        todo = np.flatnonzero(~fixed & (period == 0))
        if todo.size == 0:
            break
        tail = X[todo, W - p:]  # the last p + 1 states
        back = X[todo, W - 2 * p: W - p + 1]  # the same states one period earlier
        repeats = np.linalg.norm(tail - back, axis=-1).max(axis=1) < return_tol[todo]
        leaves = from_end[todo, W - p:].max(axis=1) >= return_tol[todo]
        period[todo[repeats & leaves]] = p
    code = np.where(fixed, 0, np.where(period > 0, 1, 2)).astype(np.int64)
    return code.reshape(lead), period.reshape(lead)
