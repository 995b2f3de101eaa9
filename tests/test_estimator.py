"""scikit-learn estimators over the VM: conventions, pipelines, and agreement with the evaluation."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator, check_regressors_train, parametrize_with_checks

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize, make, parse
from automl_zero.analysis.export import to_sklearn
from automl_zero.analysis.simplify import memory_needed
from automl_zero.baselines import LINEAR_MEMORY, MULTICLASS_BASELINES, baseline, logistic_regression
from automl_zero.estimator import (
    EvolvedClassifier,
    EvolvedRegressor,
    MemoryState,
    constant_parameters,
    with_constants,
)
from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.classification import multiclass_tasks
from automl_zero.tasks.datasets import load_digits
from automl_zero.vm.reference import ReferenceExecutor, flip_and_squash
from conftest import SOFTMAX_REGRESSION


@parametrize_with_checks([EvolvedRegressor(), EvolvedClassifier()])
def test_sklearn_conventions(estimator: Any, check: Any) -> None:
    check(estimator)


def test_pipeline_and_cross_validation() -> None:
    X, y = make_regression(n_samples=300, n_features=5, noise=1.0, bias=3.0, random_state=0)
    X = X * 50.0 + 10.0  # unscaled features: the scaler makes SGD stable
    scores = cross_val_score(make_pipeline(StandardScaler(), EvolvedRegressor(epochs=5)), X, y / y.std(), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.95
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    scores = cross_val_score(make_pipeline(StandardScaler(), EvolvedClassifier(epochs=5)), X[order], y[order], cv=3)
    assert scores.shape == (3,) and scores.min() > 0.7  # one-vs-rest linear models on iris


def test_get_set_params_round_trip() -> None:
    estimator = EvolvedClassifier(REFERENCE_LINEAR_REGRESSION, memory=LINEAR_MEMORY, epochs=3, seed=4)
    params = estimator.get_params()
    assert params == {
        "algorithm": REFERENCE_LINEAR_REGRESSION,
        "memory": LINEAR_MEMORY,
        "epochs": 3,
        "seed": 4,
        "multiclass": "ovr",
        "setup_0_s2": 0.001,  # the algorithm's learning rate, a hyperparameter of its own
    }
    other = EvolvedClassifier().set_params(**params)
    assert other.get_params() == params
    assert clone(estimator).get_params() == params
    assert EvolvedRegressor().set_params(epochs=2).epochs == 2
    assert EvolvedRegressor().get_params() == {
        "algorithm": None,
        "memory": None,
        "epochs": 1,
        "seed": 0,
        "setup_0_s2": 0.01,  # the default algorithm's learning rate
    }


def regression_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    return X, X @ rng.standard_normal(4)


def test_regressor_matches_the_vm_fitness() -> None:
    X, y = regression_data()
    task = Task(X[:300], y[:300], X[300:], y[300:])
    for algorithm, memory in [(REFERENCE_LINEAR_REGRESSION, MemorySize(5, 3, 1)), baseline("two_layer_network")]:
        model = EvolvedRegressor(algorithm, memory=memory).fit(task.train_x, task.train_y)
        errors = task.valid_y - model.predict(task.valid_x)
        loss = 0.0
        for error in errors:
            loss = loss + float(error) * float(error)
        fitness = flip_and_squash(np.sqrt(loss / len(errors)))
        assert fitness == ReferenceExecutor([task], memory).evaluate(algorithm)
        assert isinstance(model.memory_state_, MemoryState)
        assert model.algorithm_ == algorithm and model.memory_size_ == memory and model.n_features_in_ == 4


def test_binary_classifier_matches_the_vm_accuracy() -> None:
    X, y = regression_data()
    labels = (y > 0).astype(float)
    task = Task(X[:300], labels[:300], X[300:], labels[300:], eval_type=EvalType.ACCURACY)
    algorithm, memory = baseline("logistic_regression")
    model = EvolvedClassifier(algorithm, memory=memory).fit(task.train_x, task.train_y)
    accuracy = float(np.mean(model.predict(task.valid_x) == task.valid_y))
    assert accuracy == pytest.approx(ReferenceExecutor([task], memory).evaluate(algorithm), abs=1e-12)
    assert accuracy > 0.9
    # Labels of any type: classes_[1] plays label 1.
    named = EvolvedClassifier(algorithm, memory=memory).fit(task.train_x, np.where(task.train_y > 0.5, "yes", "no"))
    assert named.classes_.tolist() == ["no", "yes"]
    np.testing.assert_array_equal(named.predict(task.valid_x) == "yes", model.predict(task.valid_x) == 1.0)
    probabilities = model.predict_proba(task.valid_x)
    np.testing.assert_array_equal(probabilities[:, 1] > 0.5, model.decision_function(task.valid_x) > 0)


def test_native_multiclass_matches_the_vm_accuracy() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((400, 5))
    y = np.argmax(X @ rng.standard_normal((5, 3)), axis=1).astype(float)
    task = Task(X[:300], y[:300], X[300:], y[300:], eval_type=EvalType.MULTICLASS, num_classes=3)
    model = EvolvedClassifier(SOFTMAX_REGRESSION, multiclass="native").fit(task.train_x, task.train_y)
    assert model.memory_size_ == MemorySize(3, 4, 2)  # inferred from the addresses it uses
    accuracy = float(np.mean(model.predict(task.valid_x) == task.valid_y))
    assert accuracy == ReferenceExecutor([task], model.memory_size_).evaluate(SOFTMAX_REGRESSION)
    assert accuracy > 0.8
    probabilities = model.predict_proba(task.valid_x)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(model.decision_function(task.valid_x), axis=1), model.predict(task.valid_x))


@pytest.mark.parametrize("name", MULTICLASS_BASELINES)
def test_native_multiclass_baselines_match_the_vm_on_digits(name: str) -> None:
    (task,) = multiclass_tasks(load_digits(), num_features=16, seed=3)
    default = name == "softmax_regression"  # what multiclass="native" trains by default
    model = EvolvedClassifier(None if default else name, multiclass="native")
    model.fit(task.train_x, task.train_y)
    algorithm, memory = baseline(name)
    assert model.algorithm_ == algorithm and model.memory_size_ == memory
    accuracy = float(np.mean(model.predict(task.valid_x) == task.valid_y))
    assert accuracy == ReferenceExecutor([task], memory).evaluate(algorithm)
    assert accuracy > 0.6  # chance: 0.1
    assert model.get_params()["setup_0_s2"] == algorithm.setup[0].data[0]  # its learning rate, tunable


def test_one_vs_rest_is_one_binary_model_per_class() -> None:
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = StandardScaler().fit_transform(X[order]), y[order]
    model = EvolvedClassifier(epochs=3).fit(X, y)
    assert model.strategy_ == "ovr" and isinstance(model.memory_state_, tuple) and len(model.memory_state_) == 3
    decision = model.decision_function(X)
    for k in range(3):
        binary = EvolvedClassifier(epochs=3).fit(X, (y == k).astype(int))
        np.testing.assert_array_equal(binary.decision_function(X), decision[:, k])
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert model.score(X, y) > 0.85


def test_algorithm_as_text_and_inferred_memory() -> None:
    X, y = regression_data()
    from_text = EvolvedRegressor(str(REFERENCE_LINEAR_REGRESSION)).fit(X, y)
    assert from_text.memory_size_ == MemorySize(5, 3, 1)
    from_object = EvolvedRegressor(REFERENCE_LINEAR_REGRESSION, memory=(6, 4, 2)).fit(X, y)
    np.testing.assert_array_equal(from_text.predict(X), from_object.predict(X))
    assert from_object.memory_size_ == MemorySize(6, 4, 2)


def test_default_regressor_learns_a_bias_and_epochs_help() -> None:
    X, y = regression_data()
    y = y + 5.0
    one = EvolvedRegressor().fit(X, y).score(X, y)
    five = EvolvedRegressor(epochs=5).fit(X, y).score(X, y)
    assert 0.9 < one < five and five > 0.999
    assert EvolvedRegressor().fit(X, y).algorithm_ == logistic_regression(0.01)


def test_predict_leaves_the_fitted_state_alone_and_pickles() -> None:
    X, y = regression_data()
    model = EvolvedRegressor(make(predict=["s2 = s2 + s0", "s3 = uniform(0.0, 1.0)", "s1 = s3 + s2"])).fit(X, y)
    first = model.predict(X[:5])
    np.testing.assert_array_equal(model.predict(X[:5]), first)
    assert len(set(first.tolist())) == 5  # random ops continue the trained stream within a call
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[:5]), first)


def test_seed_selects_the_random_stream() -> None:
    X, y = regression_data(50)
    algorithm = make(setup=["s2 = gaussian(0.0, 1.0)"], predict=["s1 = s2 + s0"])
    a = EvolvedRegressor(algorithm, seed=1).fit(X, y).predict(X[:1])
    b = EvolvedRegressor(algorithm, seed=2).fit(X, y).predict(X[:1])
    assert a[0] != b[0]


@pytest.mark.parametrize(
    ("estimator", "message"),
    [
        (EvolvedRegressor(epochs=0), "epochs must be an integer >= 1"),
        (EvolvedRegressor(seed=1.5), "seed must be an integer"),
        (EvolvedRegressor("s1 = s0"), "expected 'def Setup"),
        (EvolvedRegressor(REFERENCE_LINEAR_REGRESSION, memory=MemorySize(4, 3, 1)), "out of range"),
        (EvolvedClassifier(multiclass="softmax"), "multiclass must be one of"),
        (EvolvedClassifier(SOFTMAX_REGRESSION, memory=MemorySize(4, 2, 2), multiclass="native"), "3 vectors"),
    ],
)
def test_bad_parameters_fail_in_fit(estimator: Any, message: str) -> None:
    X, y = make_classification(n_samples=20, n_features=4, random_state=0)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)


def test_bad_inputs() -> None:
    X, y = make_classification(
        n_samples=30, n_features=2, n_informative=2, n_redundant=0, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    with pytest.raises(ValueError, match="at least 3 features"):
        EvolvedClassifier(SOFTMAX_REGRESSION, multiclass="native").fit(X, y)
    with pytest.raises(ValueError, match="class"):
        EvolvedClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="algorithm must be"):
        EvolvedRegressor(algorithm=3).fit(X, y)
    with pytest.raises(NotFittedError):
        EvolvedClassifier().predict(X)


DEMO_DISCOVERY = Path(__file__).parents[1] / "experiments" / "results" / "demo" / "seed1.txt"


def test_constants_are_named_by_their_instruction() -> None:
    network = baseline("two_layer_network")[0]
    assert constant_parameters(network) == {
        "setup_0_s2": 0.01,
        "setup_1_m0_mean": 0.0,
        "setup_1_m0_std": 0.3,
        "setup_2_v3_mean": 0.0,
        "setup_2_v3_std": 0.3,
    }
    element = make(setup=["v1[0.25] = 1.5", "s2 = uniform(-1.0, 2.0)"], learn=["s3 = 0.5"])
    assert constant_parameters(element) == {  # the index 0.25 chooses a feature: not a constant
        "setup_0_v1": 1.5,
        "setup_1_s2_low": -1.0,
        "setup_1_s2_high": 2.0,
        "learn_0_s3": 0.5,
    }
    changed = with_constants(element, {"setup_1_s2_high": 3.0, "learn_0_s3": np.float64(0.25)})
    assert str(changed) == str(element).replace("2.0)", "3.0)").replace("s3 = 0.5", "s3 = 0.25")
    with pytest.raises(ValueError, match="'learn_1_s3': not a constant of the algorithm; its constants are setup_0_v1"):
        with_constants(element, {"learn_1_s3": 1.0})
    with pytest.raises(ValueError, match="learn_0_s3 must be a finite real number"):
        with_constants(element, {"learn_0_s3": np.inf})


def test_constants_are_hyperparameters() -> None:
    X, y = regression_data()
    slow = EvolvedRegressor(REFERENCE_LINEAR_REGRESSION)  # learning rate 0.001: far from fitted in one epoch
    fast = clone(slow).set_params(setup_0_s2=0.05)
    assert fast.get_params()["setup_0_s2"] == 0.05 and slow.get_params()["setup_0_s2"] == 0.001
    assert fast.fit(X, y).algorithm_ == with_constants(REFERENCE_LINEAR_REGRESSION, {"setup_0_s2": 0.05})
    assert fast.score(X, y) > 0.99 > slow.fit(X, y).score(X, y)
    assert clone(fast).get_params()["setup_0_s2"] == 0.05
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fast)).predict(X), fast.predict(X))
    # In a pipeline, by the step's name; a new algorithm forgets the constants set for the old one.
    pipeline = make_pipeline(StandardScaler(), EvolvedRegressor()).set_params(evolvedregressor__setup_0_s2=0.02)
    assert pipeline.get_params()["evolvedregressor__setup_0_s2"] == 0.02
    other = fast.set_params(algorithm=baseline("two_layer_network")[0])
    assert other.get_params()["setup_0_s2"] == 0.01 and "setup_1_m0_std" in other.get_params()
    # Names are checked in fit, as scikit-learn recommends, with the constants listed.
    typo = EvolvedRegressor(REFERENCE_LINEAR_REGRESSION).set_params(setup_0_s3=0.05)
    with pytest.raises(ValueError, match="'setup_0_s3': not a constant of the algorithm; its constants are setup_0_s2"):
        typo.fit(X, y)


def test_grid_search_tunes_an_exported_discovery_to_pass_check_estimator() -> None:
    # The demo's discovery evolved its learning rate (setup_8_s2 = -0.177, the step scaled by the
    # prediction's factor) for F=4; on 10 standardized features that step diverges.
    algorithm = parse(DEMO_DISCOVERY.read_text())
    namespace: dict[str, Any] = {}
    exec(to_sklearn(algorithm, memory_needed(algorithm)), namespace)
    make_estimator = namespace["make_estimator"]
    assert namespace["CONSTANTS"]["setup_8_s2"] == pytest.approx(-0.177, abs=1e-3)
    X, y = make_regression(n_samples=400, n_features=10, noise=1.0, random_state=0)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    train, test = slice(0, 300), slice(300, None)
    assert make_estimator().fit(X[train], y[train]).score(X[test], y[test]) < 0.9
    with pytest.raises(AssertionError):  # R^2 above 0.5 on scikit-learn's 10-feature data
        check_regressors_train("EvolvedRegressor", make_estimator())
    grid = {"setup_8_s2": [-0.3, -0.1, -0.03, -0.01, 0.01]}
    search = GridSearchCV(make_estimator(), grid, cv=3).fit(X[train], y[train])
    assert search.best_params_["setup_8_s2"] in (-0.1, -0.03)
    tuned = search.best_estimator_
    assert tuned.score(X[test], y[test]) > 0.99
    check_estimator(tuned)  # raises on the first failing check
