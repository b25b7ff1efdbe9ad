"""Would an ONNX Runtime backend make MiniLM embedding faster? Measures it against PyTorch in one run.

    pip install onnx==1.23.2 onnxruntime==1.31.1     # not citeproof dependencies
    python -m bench.onnx_backend [--n 3000]

Exports the bundled all-MiniLM-L6-v2 transformer with `torch.onnx.export` (optimum-onnx, the usual
route, needs transformers < 4.58, older than what sentence-transformers 6 needs), runs it with ONNX
Runtime on the CPU (2 threads) with the same tokenizer, sorted-by-length batches, mean pooling and
L2 normalisation as sentence-transformers, and prints titles/s for both on real dev titles (two
rounds) and the largest difference between the two vectors of a title.

Measured 2026-11-27 on the 2-core development machine: ONNX Runtime 1.05-1.08x PyTorch's speed, vectors
equal to within 2.4e-7. That is not worth a second backend; `--model static-minilm` is the fast path.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.eval import DEFAULT_DATA
from citeproof.index.embed import Embedder

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class _Transformer(torch.nn.Module):
    """The BERT body with keyword inputs and one output, as the exporter wants it."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000, help="titles to embed")
    args = ap.parse_args()
    import onnxruntime as ort

    with gzip.open(DEFAULT_DATA / "corpus_distractors_dev.csl.jsonl.gz", "rt", encoding="utf-8") as fh:
        titles = [json.loads(line)["title"] for _, line in zip(range(args.n), fh, strict=False)]
    emb = Embedder()
    st = emb._load()
    tok = st.tokenizer
    sample = tok(titles[:4], padding=True, return_tensors="pt")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "minilm.onnx"
        axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
        torch.onnx.export(
            _Transformer(st[0].auto_model.eval()), tuple(sample[k] for k in _INPUTS), str(path),
            input_names=list(_INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
            dynamo=False,
        )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def ort_encode(texts: list[str], batch: int = 256) -> np.ndarray:
        order = np.argsort([len(t) for t in texts])
        out = np.zeros((len(texts), emb.dim), dtype=np.float32)
        for i in range(0, len(texts), batch):
            idx = order[i : i + batch]
            enc = tok([texts[j] for j in idx], padding=True, truncation=True, max_length=256, return_tensors="np")
            hidden = session.run(None, {k: enc[k].astype(np.int64) for k in _INPUTS})[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            vecs = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
            out[idx] = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
        return out

    emb.encode(titles[:64])
    ort_encode(titles[:64])
    for round_ in (1, 2):
        t0 = time.perf_counter()
        a = emb.encode(titles)
        t1 = time.perf_counter()
        b = ort_encode(titles)
        t2 = time.perf_counter()
        print(
            f"round {round_}: pytorch {len(titles) / (t1 - t0):.0f} titles/s, onnxruntime {len(titles) / (t2 - t1):.0f} "
            f"titles/s, ratio {(t1 - t0) / (t2 - t1):.2f}; largest vector difference {float(np.abs(a - b).max()):.1e}"
        )


if __name__ == "__main__":
    main()
