/* export_imp.h — the importance view (view 6) in `heed export`
 * (export_imp.c): which heads matter for the sentence, as a layer x head
 * heatmap, the sorted list and the replacement curve (the PAPA paper's
 * figure).  export.c computes the numbers synchronously (worker_importance)
 * into r->imp before a writer runs. */
#ifndef HEED_TUI_EXPORT_IMP_H
#define HEED_TUI_EXPORT_IMP_H

#include <stdio.h>

#include "export.h"
#include "export_svg.h"

/* --view importance[:MODE[,ORDER]]: arg is what follows the colon (NULL:
 * nothing); MODE average, dense, random or uniform, ORDER importance or
 * papa.  A mode not given stays HEAD_INPUT: the caller picks average with
 * a calibration, else uniform. */
int export_imp_parse(const char *arg, export_req *r, heed_err *e);
/* Settle what --view left open (average with a calibration, else uniform)
 * and refuse what cannot be computed: a mode or the PAPA order without
 * the calibration it needs.  (ANSI is the explorer's screen once the scan
 * is complete: export_screen.c.) */
int export_imp_ready(export_req *r, const calib *cal, heed_err *e);
/* The --view argument that asks for r again. */
void export_imp_arg(const export_req *r, char *buf, size_t cap);
void export_imp_title(const export_req *r, char *buf, size_t cap);
void export_imp_svg(svg *s, const export_req *r, const ui_frame *f, double y0);
void export_imp_txt(FILE *out, const export_req *r, const ui_frame *f);

#endif
