# The bundled model is installed under $(pkgdatadir)/models/heed-mini.
# (config.json, model.safetensors, heed.calib and MODEL_CARD.md join this
# list when the trained model lands; see tools/train.)
modeldir = $(pkgdatadir)/models/heed-mini
dist_model_DATA = assets/models/heed-mini/vocab.txt assets/models/heed-mini/VOCAB-LICENSE
EXTRA_DIST += assets/corpus
