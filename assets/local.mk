# The bundled model, heed-mini, installed under $(pkgdatadir)/models/heed-mini
# (where model_resolve looks after $HEED_MODEL_DIR).  Its weights, config,
# calibration and card come from the training recipe (tools/train); every
# one of them is installed, and a missing one fails the install.
EXTRA_DIST += assets/models/heed-mini assets/corpus
modeldir = $(pkgdatadir)/models/heed-mini
HEED_MINI_FILES = vocab.txt VOCAB-LICENSE config.json model.safetensors \
	heed.calib MODEL_CARD.md

# The lessons for heed-mini (heed lesson FILE), under $(pkgdatadir)/lessons.
lessondir = $(pkgdatadir)/lessons
dist_lesson_DATA = assets/lessons/positional.lesson assets/lessons/sinks.lesson \
	assets/lessons/papa.lesson assets/lessons/synthesizer.lesson \
	assets/lessons/importance.lesson

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(modeldir)'
	@for f in $(HEED_MINI_FILES); do \
	  p='$(srcdir)/assets/models/heed-mini/'$$f; \
	  echo " $(INSTALL_DATA) $$p '$(DESTDIR)$(modeldir)'"; \
	  $(INSTALL_DATA) "$$p" '$(DESTDIR)$(modeldir)' || exit 1; \
	done

uninstall-local:
	@for f in $(HEED_MINI_FILES); do \
	  rm -f '$(DESTDIR)$(modeldir)/'$$f; \
	done

# The installed heed opens the installed model: "states" for the example
# every README and card uses, and finds the installed lessons by name, whose
# claims hold on it (make distcheck runs this after its install).
installcheck-local:
	'$(DESTDIR)$(bindir)/heed' dump -f tsv -k 3 'the president of the united [MASK] .' | \
	  grep -q 'states' || { echo 'installed heed did not run heed-mini'; exit 1; }
	'$(DESTDIR)$(bindir)/heed' lesson --check sinks >/dev/null || \
	  { echo 'the installed lessons do not hold on the installed heed-mini'; exit 1; }
