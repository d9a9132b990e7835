# The bundled model, heed-mini, installed under $(pkgdatadir)/models/heed-mini
# (where model_resolve looks after $HEED_MODEL_DIR).  Its weights, config,
# calibration and card come from the training recipe (tools/train), which
# runs for hours after the code lands, so the folder is shipped and
# installed as it stands: whichever of these files it holds.
EXTRA_DIST += assets/models/heed-mini assets/corpus
modeldir = $(pkgdatadir)/models/heed-mini
HEED_MINI_FILES = vocab.txt VOCAB-LICENSE config.json model.safetensors \
	heed.calib MODEL_CARD.md

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(modeldir)'
	@for f in $(HEED_MINI_FILES); do \
	  p='$(srcdir)/assets/models/heed-mini/'$$f; \
	  if test -f "$$p"; then \
	    echo " $(INSTALL_DATA) $$p '$(DESTDIR)$(modeldir)'"; \
	    $(INSTALL_DATA) "$$p" '$(DESTDIR)$(modeldir)' || exit 1; \
	  fi; \
	done

uninstall-local:
	@for f in $(HEED_MINI_FILES); do \
	  rm -f '$(DESTDIR)$(modeldir)/'$$f; \
	done
