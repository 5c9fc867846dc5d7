"""One value per setting: the library's constants (modbound.core.defaults) are config.yaml's defaults, and the
settings an analysis used travel in its output (modbound.core.settings)."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from modbound.core import defaults, settings

ROOT = Path(__file__).resolve().parents[1]


def _config_value(cfg: dict, dotted: str):
    node = cfg
    for key in dotted.split("."):
        node = node[key]
    return node


@pytest.mark.parametrize("name", sorted(defaults.CONFIG_KEYS))
def test_each_constant_is_the_config_default(name):
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    value = _config_value(cfg, defaults.CONFIG_KEYS[name])
    assert getattr(defaults, name) == value and type(getattr(defaults, name)) is type(value), name


def test_every_constant_names_its_config_key():
    constants = {k for k in vars(defaults) if k.isupper() and k != "CONFIG_KEYS"}
    assert constants == set(defaults.CONFIG_KEYS)


def test_alpha():
    assert defaults.alpha(defaults.DT, defaults.TAU) == 1.0 and defaults.alpha(20.0, 100.0) == 0.2
    with pytest.raises(ValueError, match="dt and tau must be positive"):
        defaults.alpha(0.0, 100.0)


def test_settings_round_trip_through_npz(tmp_path):
    from modbound.core import io

    rec = settings.record(gamma=1.0, louvain_runs=20, n_perm=1000, null="label_permutation", alpha=0.2,
                          drop_first_trial=True)
    io.save_npz(tmp_path / "a.npz", x=np.zeros(2), **rec)
    back = settings.read(io.load_npz(tmp_path / "a.npz"), "gamma", "louvain_runs", "null", "alpha", "drop_first_trial")
    assert back == {"gamma": 1.0, "louvain_runs": 20, "null": "label_permutation", "alpha": 0.2,
                    "drop_first_trial": True}
    assert type(back["louvain_runs"]) is int and type(back["gamma"]) is float
    with pytest.raises(ValueError, match=r"a\.npz: settings \['n_surrogates'\] missing"):
        settings.read(rec, "n_surrogates", source="a.npz")
    with pytest.raises(TypeError, match="setting seeds"):
        settings.record(seeds=[1, 2])
