"""The model factory: output shapes per class count, and padding never changes a prediction."""

import numpy as np
import pytest

from lstmcls.config.schema import ModelConfig
from lstmcls.models.factory import build_classifier, class_probabilities


@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_probabilities_have_one_column_per_class(classes, bidirectional):
    model = build_classifier(ModelConfig(units=4, layers=2, bidirectional=bidirectional), 20, classes)
    ids = np.array([[3, 4, 5, 0, 0, 0], [6, 0, 0, 0, 0, 0]])
    probabilities = np.asarray(class_probabilities(model.predict(ids, verbose=0)))
    assert probabilities.shape == (2, classes)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_padding_is_masked():
    model = build_classifier(ModelConfig(units=4, bidirectional=True), 20, 2)
    a = model.predict(np.array([[3, 4, 5, 0]]), verbose=0)
    b = model.predict(np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
