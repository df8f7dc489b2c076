"""Print audb's flavor ids for a table of flavour combinations as JSON.

Usage: flavor_ids.py [--all]

Default: a representative subset (~140 rows). ``--all`` prints the full
cross product of bit depth x channels x mixdown x format x sampling rate.
Each row: the arguments as given, the arguments after Flavor's
normalisation, the YAML string that is hashed, ``id`` and ``short_id``
(the cache folder name).
"""

import itertools
import sys

import audb

import _common

BIT_DEPTHS = [None, 16, 24, 32]
CHANNELS = [None, 0, [0], 1, [0, 1], [0, -1], [1, 0], [2, 0, 1], -1]
MIXDOWN = [False, True]
FORMATS = [None, "wav", "flac"]
SAMPLING_RATES = [None, 8000, 16000, 22050, 24000, 44100, 48000]


def row(bit_depth, channels, mixdown, format, sampling_rate):
    given = {
        "bit_depth": bit_depth,
        "channels": channels,
        "format": format,
        "mixdown": mixdown,
        "sampling_rate": sampling_rate,
    }
    f = audb.Flavor(**given)
    return {
        "args": given,
        "normalized": dict(f.arguments),
        "yaml": f.to_yaml_s(include_version=False),
        "id": f.id,
        "short_id": f.short_id,
    }


def main():
    rows = []
    if "--all" in sys.argv:
        combos = itertools.product(
            BIT_DEPTHS, CHANNELS, MIXDOWN, FORMATS, SAMPLING_RATES
        )
    else:
        combos = []
        # every single option on its own
        combos += [(b, None, False, None, None) for b in BIT_DEPTHS]
        combos += [(None, c, m, None, None) for c in CHANNELS for m in MIXDOWN]
        combos += [(None, None, False, f, None) for f in FORMATS]
        combos += [(None, None, m, None, None) for m in MIXDOWN]
        combos += [(None, None, False, None, s) for s in SAMPLING_RATES]
        # pairs and a diagonal of full combinations
        combos += [(b, None, False, f, s) for b in BIT_DEPTHS[1:] for f in FORMATS[1:] for s in SAMPLING_RATES[1:3]]
        combos += [(None, c, True, f, s) for c in CHANNELS[4:8] for f in FORMATS for s in [None, 16000]]
        combos += [
            (b, c, m, f, s)
            for b in [None, 16]
            for c in [None, [0, 1], [0, -1]]
            for m in [False, True]
            for f in [None, "flac"]
            for s in [None, 24000, 44100]
        ]
        combos += [(32, [0, -1], True, "flac", 48000), (24, 0, True, "wav", 22050), (16, [1, 0], False, "wav", 44100)]
        seen = set()
        unique = []
        for c in combos:
            key = repr(c)
            if key not in seen:
                seen.add(key)
                unique.append(c)
        combos = unique
    for c in combos:
        rows.append(row(*c))
    _common.emit(rows)


if __name__ == "__main__":
    main()
