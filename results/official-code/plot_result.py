# Stand-in for the released plot_result.py, used by run.sh: it draws nothing and consumes no
# random numbers (so the training runs exactly as with plotting), and every 500 iterations it
# writes the first 2,000 generated points, of the training-Δt rollout and of the Δt/2 ("test_")
# rollout, as CSV for `w1w2 score`.
import os

import numpy as np


def plot_2d(out, P, Q, savedir, it, scale):
    if it % 500 == 0:
        tag = "half" if savedir.endswith("test_") else "train"
        root = os.environ["SAMPLES_DIR"]
        np.savetxt(f"{root}/{tag}-{it:06d}.csv", out[:2000], delimiter=",", fmt="%.7g")

def plot_orth_axes_saturation(out, savedir, it):
    pass

def plot_image(out, it, savedir):
    pass
