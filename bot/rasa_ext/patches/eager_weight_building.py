"""Build a loaded model's weights with an eager training step instead of a traced one.

Rasa: `RasaModel.load` builds the model's weights by training one step on an example, then
overwrites them with the stored weights; tracing that step into a TensorFlow graph took 40 % of
Rasa's start-up here.
Patch: `RasaModel.load` as in Rasa 3.6.21, with that one step run eagerly; the model is then
compiled as configured, the stored weights loaded and the prediction graph traced, as before.
Safe: the step's result is thrown away (the same variables are created either way, then the same
stored weights are loaded); prediction is still compiled and gives identical parses (tested on the
held-out messages).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.utils.tensorflow.models.RasaModel.load",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.utils.tensorflow.models import RasaModel

    if fence.patched_by(RasaModel, "load") == __name__:
        return True

    def load(cls: type[RasaModel], model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> RasaModel:
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
        from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        optimizer = tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001))
        model.compile(optimizer=optimizer, run_eagerly=True)  # no graph for a step whose result is discarded
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.compile(optimizer=optimizer, run_eagerly=config.get(RUN_EAGERLY))  # as configured from here on
        model.load_weights(model_file_name)
        if not finetune_mode and predict_data_example:
            model.run_inference(predict_data_example)  # traces the prediction graph now, not at the first message
        return model

    fence.replace(RasaModel, "load", classmethod(load), __name__)
    return True
