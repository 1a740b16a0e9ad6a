"""bayes_sparse: Bayesian sparse regression with honest uncertainty.

Priors (:class:`Laplace`, :class:`Gaussian`, :class:`Horseshoe`, :class:`ElasticNet`) are plain
specifications; :func:`build_model` turns them into PyMC models and
:func:`map_estimate` into the equivalent penalised fit with its certificate.
"""

from . import datasets, plots, selection, teach
from .classifiers import BayesianLassoClassifier, BayesianRidgeClassifier, HorseshoeClassifier
from .diagnostics import Diagnostics, DiagnosticWarning
from .estimators import (
    BayesianElasticNetRegressor,
    BayesianLassoRegressor,
    BayesianRidgeRegressor,
    HorseshoeRegressor,
)
from .map import (
    MapResult,
    elastic_net_alpha,
    elastic_net_from_alpha,
    gaussian_from_alpha,
    laplace_from_alpha,
    lasso_alpha,
    map_estimate,
    ridge_alpha,
)
from .model import build_model
from .network import NetworkFit, fit_network
from .priors import ElasticNet, Gaussian, Horseshoe, Laplace, NoiseVariance
from .ranking import lasso_ranking
from .report import write_report
from .result import PosteriorFit
from .sampling import compare_priors, fit
from .selection import compare_selection, selection_metrics
from .spec import ModelSpec

__version__ = "0.1.0"

__all__ = [
    "Laplace",
    "Gaussian",
    "Horseshoe",
    "ElasticNet",
    "NoiseVariance",
    "ModelSpec",
    "build_model",
    "map_estimate",
    "MapResult",
    "lasso_alpha",
    "laplace_from_alpha",
    "ridge_alpha",
    "gaussian_from_alpha",
    "elastic_net_alpha",
    "elastic_net_from_alpha",
    "fit",
    "PosteriorFit",
    "compare_priors",
    "Diagnostics",
    "DiagnosticWarning",
    "BayesianLassoRegressor",
    "BayesianRidgeRegressor",
    "HorseshoeRegressor",
    "BayesianLassoClassifier",
    "BayesianRidgeClassifier",
    "HorseshoeClassifier",
    "BayesianElasticNetRegressor",
    "compare_selection",
    "selection_metrics",
    "write_report",
    "datasets",
    "plots",
    "selection",
    "lasso_ranking",
    "fit_network",
    "NetworkFit",
    "teach",
]
