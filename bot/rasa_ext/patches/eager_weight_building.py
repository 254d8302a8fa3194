"""Build a loaded model's weights with one forward pass instead of a training step.

Rasa: `RasaModel.load` builds the model's weights by training one step on an example (a traced
Keras `fit`: gradients, the Adam optimizer's two slots per weight), then overwrites the weights
with the stored ones. Tracing that step took 40 % of Rasa's start-up here, and the step's buffers
and slots stayed in memory: about 250 MB of the process's peak, for a model that only predicts.
Patch: `RasaModel.load` as in Rasa 3.6.21, but the weights are created by running the training
loss once, eagerly, with no gradient and no optimizer step; the model is then compiled as
configured, the stored weights loaded (the optimizer's stored slots, which prediction never reads,
are left in the file) and the prediction graph traced, as before. Fine-tuning (`finetune_mode`,
training on from a loaded model, which needs the optimizer's state) keeps Rasa's own code.
Safe: the same variables get the same stored values, and prediction is compiled the same way:
identical parses (tested on the held-out messages, confidences to 5 decimals).
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
    original_load = RasaModel.__dict__["load"].__func__

    def load(cls: type[RasaModel], model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> RasaModel:
        if finetune_mode:
            return original_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                                 *args, **kwargs)
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
        from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        batch_in = RasaBatchDataGenerator(model_data_example, batch_size=1)[0][0]
        model._training = True  # the training path creates every variable the stored model has
        model.batch_loss(tf.nest.map_structure(tf.convert_to_tensor, batch_in))
        model._training = False
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        model.load_weights(model_file_name).expect_partial()  # the optimizer's slots stay in the file
        if predict_data_example:
            model.run_inference(predict_data_example)  # traces the prediction graph now, not at the first message
        return model

    fence.replace(RasaModel, "load", classmethod(load), __name__)
    return True
