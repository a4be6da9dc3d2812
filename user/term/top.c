// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsprobe top: which symbols miss right now and what each miss costs, refreshed in place.
 * Frames are drawn on the alternate screen by overwriting lines from the home position and
 * clearing what is left of each, in one write: no full clear, so no flicker.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "cell.h"
#include "log.h"
#include "sig.h"
#include "top.h"

#define HEAD_LINES 7 /* five lines of header, a blank line, the column titles */
#define COLS_FMT   " %10s %7s %9s %12s %9s %9s" /* 62 columns after the symbol */
#define COLS_WIDTH 62

static const char *const sort_names[] = {
	[FSP_VIEW_BY_MISSES] = "m misses/s",
	[FSP_VIEW_BY_HIT] = "h hit%",
	[FSP_VIEW_BY_LOOKUPS] = "l lookups/s",
	[FSP_VIEW_BY_SYMBOL] = "s symbol",
};

struct frame {
	struct fsp_buf *out;
	struct fsp_buf line; /* the line being built */
	size_t width;
	int left;            /* lines still free */
};

/* Ends the line being built: cut to the width, and dropped when the screen is full. */
static void emit(struct frame *f)
{
	if (f->left > 0) {
		fsp_cell_put(f->out, f->line.data ? f->line.data : "", f->width, 0);
		fsp_buf_append(f->out, "\n", 1);
		f->left--;
	}
	if (f->line.err)
		f->out->err = f->line.err;
	fsp_buf_reset(&f->line);
}

static void header(struct frame *f, const struct fsp_view_target *t, const struct fsp_view *v,
		   const struct fsp_view_screen *sc)
{
	const struct fsp_view_row *all = &v->total;
	unsigned long up = sc->uptime > 0 ? (unsigned long)sc->uptime : 0;
	char last[16], start[16], rate[2][24], p[2][16];

	fsp_cell_put_safe(&f->line, t->describe);
	emit(f);
	fsp_buf_printf(&f->line, "probes: ");
	fsp_view_put_probes(&f->line, t);
	emit(f);
	fsp_buf_printf(&f->line, "up %lu:%02lu:%02lu, every %gs, ", up / 3600, up / 60 % 60,
		       up % 60, sc->interval);
	if (sc->processes)
		fsp_buf_printf(&f->line, "%u process%s running, ", sc->processes,
			       sc->processes == 1 ? "" : "es");
	else
		fsp_buf_printf(&f->line, "TARGET EXITED (last counts), ");
	fsp_buf_printf(&f->line, "%zu symbols%s", v->nsymbols, sc->paused ? ", PAUSED" : "");
	emit(f);
	fsp_cell_ratio(last, sizeof(last), all->d_hits, all->d_hits + all->d_misses);
	fsp_cell_ratio(start, sizeof(start), all->hits, all->hits + all->misses);
	fsp_buf_printf(&f->line, "hit ratio: ");
	if (v->seconds > 0)
		fsp_buf_printf(&f->line, "last %.1fs %s %s, ", v->seconds, last,
			       fsp_view_slo(all->d_hits, all->d_hits + all->d_misses));
	fsp_buf_printf(&f->line, "since start %s %s (SLO %d%%)", start,
		       fsp_view_slo(all->hits, all->hits + all->misses), FSP_VIEW_SLO_PERCENT);
	emit(f);
	fsp_buf_printf(&f->line, "lookups/s %s, misses/s %s, miss penalty p50 %s p99 %s",
		       fsp_cell_rate(rate[0], sizeof(rate[0]), all->d_hits + all->d_misses,
					 v->seconds),
		       fsp_cell_rate(rate[1], sizeof(rate[1]), all->d_misses, v->seconds),
		       fsp_cell_seconds(p[0], sizeof(p[0]), all->miss_p50),
		       fsp_cell_seconds(p[1], sizeof(p[1]), all->miss_p99));
	if (!v->latency)
		fsp_buf_printf(&f->line, " (latency off)");
	emit(f);
	emit(f);
}

static void row(struct frame *f, const struct fsp_view_row *r, double seconds, size_t sw,
		struct fsp_buf *name)
{
	char rate[2][24], ratio[16], total[24], p[2][16];

	fsp_buf_reset(name);
	fsp_cell_put_safe(name, r->name);
	fsp_cell_put(&f->line, name->data ? name->data : "", sw, sw);
	snprintf(total, sizeof(total), "%" PRIu64, (uint64_t)(r->hits + r->misses));
	fsp_buf_printf(&f->line, COLS_FMT,
		       fsp_cell_rate(rate[0], sizeof(rate[0]), r->d_hits + r->d_misses, seconds),
		       fsp_cell_ratio(ratio, sizeof(ratio), r->d_hits, r->d_hits + r->d_misses),
		       fsp_cell_rate(rate[1], sizeof(rate[1]), r->d_misses, seconds), total,
		       fsp_cell_seconds(p[0], sizeof(p[0]), r->miss_p50),
		       fsp_cell_seconds(p[1], sizeof(p[1]), r->miss_p99));
	emit(f);
}

static void keys(struct frame *f, const struct fsp_view_screen *sc)
{
	size_t i;

	fsp_buf_printf(&f->line, "sort:");
	for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		fsp_buf_printf(&f->line, i == sc->sort ? " [%s]" : "  %s", sort_names[i]);
	fsp_buf_printf(&f->line, "   p %s  q quit", sc->paused ? "resume" : "pause");
	emit(f);
}

int fsp_top_frame(const struct fsp_view_target *t, const struct fsp_view *v,
		  const struct fsp_view_screen *sc, struct fsp_buf *out)
{
	struct frame f = { .out = out, .width = sc->width > 0 ? sc->width : 0,
			   .left = sc->height > 0 ? sc->height : 0 };
	/* The symbol takes what the numbers leave; a narrower terminal cuts the line instead. */
	size_t sw = f.width > COLS_WIDTH + 8 ? f.width - COLS_WIDTH : 8, avail, shown, i;
	struct fsp_buf name = {};

	header(&f, t, v, sc);
	fsp_cell_put(&f.line, "SYMBOL", sw, sw);
	fsp_buf_printf(&f.line, COLS_FMT, "LOOKUPS/S", "HIT%", "MISSES/S", "LOOKUPS", "MISS P50",
		       "MISS P99");
	emit(&f);
	/* Rows get what is left but the key line; when they do not fit, one line says so. */
	avail = f.left > 1 ? f.left - 1 : 0;
	shown = v->nrows <= avail ? v->nrows : avail ? avail - 1 : 0;
	for (i = 0; i < shown; i++)
		row(&f, &v->rows[i], v->seconds, sw, &name);
	if (shown < v->nrows && avail)
		fsp_buf_printf(&f.line, "… %zu more", v->nrows - shown);
	else if (!v->nrows)
		fsp_buf_printf(&f.line, "(no lookups yet)");
	if (f.line.len)
		emit(&f);
	keys(&f, sc);
	if (name.err)
		out->err = name.err;
	fsp_buf_free(&name);
	fsp_buf_free(&f.line);
	return out->err;
}

/* A running top: the terminal state to restore, the last snapshot, what is on the screen. */
struct top {
	const struct fsp_view_source *src;
	struct fsp_view view;
	struct fsp_snapshot prev; /* a copy: the collector reuses its arrays */
	int have_prev;
	double prev_at, start;
	struct fsp_view_target t;
	struct fsp_view_screen sc;
	struct fsp_buf frame, term;
	struct termios saved;
	sigset_t old_mask;
	int masked, raw, screen, sfd;
	const char *why; /* logged once the terminal is back, so it stays readable */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= w;
	}
	return 0;
}

static void winsize(struct top *tp)
{
	struct winsize ws;

	tp->sc.width = 80;
	tp->sc.height = 24;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		tp->sc.width = ws.ws_col;
		tp->sc.height = ws.ws_row;
	}
}

/* Home, each line overwritten and the rest of it cleared, then everything below: one write. */
static int draw(struct top *tp)
{
	const char *p, *nl;
	int err, lines = 0;

	fsp_buf_reset(&tp->frame);
	fsp_buf_reset(&tp->term);
	tp->sc.uptime = now() - tp->start;
	err = fsp_top_frame(&tp->t, &tp->view, &tp->sc, &tp->frame);
	if (err)
		return err;
	fsp_buf_append(&tp->term, "\x1b[H", 3);
	for (p = tp->frame.data; p && (nl = strchr(p, '\n')); p = nl + 1) {
		fsp_buf_append(&tp->term, p, nl - p);
		/* A full line leaves the cursor on its last column, which \e[K would erase. */
		if (fsp_cell_cols(p, nl - p) < (size_t)tp->sc.width)
			fsp_buf_append(&tp->term, "\x1b[K", 3);
		if (nl[1])
			fsp_buf_append(&tp->term, "\r\n", 2);
		lines++;
	}
	/* From the line below the frame, wherever the cursor is: a full last line keeps its end. */
	if (lines < tp->sc.height)
		fsp_buf_printf(&tp->term, "\x1b[%d;1H\x1b[J", lines + 1);
	return tp->term.err ? tp->term.err : write_all(tp->term.data, tp->term.len);
}

/* Reads the counters; rows cover the time since the previous read, unless paused. */
static int tick(struct top *tp)
{
	const struct fsp_snapshot *snap;
	double at = now();
	int err;

	err = tp->src->read(tp->src->ctx, &snap);
	if (err) {
		tp->why = "cannot read the counters";
		return err;
	}
	tp->sc.processes = tp->src->poll(tp->src->ctx);
	if (!tp->sc.paused) {
		err = fsp_view_build(&tp->view, snap, tp->have_prev ? &tp->prev : NULL,
				     tp->have_prev ? at - tp->prev_at : 0);
		if (err)
			return err;
		fsp_view_sort(&tp->view, tp->sc.sort);
	}
	err = fsp_view_copy(&tp->prev, snap);
	tp->have_prev = !err;
	tp->prev_at = at;
	return err;
}

/* Returns 1 to quit, 0 otherwise. */
static int key(struct top *tp, char c)
{
	static const char sort_keys[] = "mhls"; /* in enum fsp_view_sort's order */
	const char *k = c ? strchr(sort_keys, c) : NULL;

	if (c == 'q' || c == 'Q')
		return 1;
	if (c == 'p' || c == ' ')
		tp->sc.paused = !tp->sc.paused;
	if (!k)
		return 0;
	tp->sc.sort = (enum fsp_view_sort)(k - sort_keys);
	fsp_view_sort(&tp->view, tp->sc.sort);
	return 0;
}

/* Until q, a stop signal or the terminal going away (all of them a normal exit). */
static int loop(struct top *tp, double interval)
{
	struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				 { .fd = tp->sfd, .events = POLLIN } };
	double next = now() + interval, left;
	struct signalfd_siginfo si;
	char in[64];
	ssize_t i, n;
	int err;

	err = tick(tp);
	if (!err)
		err = draw(tp);
	while (!err) {
		left = next - now();
		if (left <= 0) {
			next = next + interval > now() ? next + interval : now() + interval;
			err = tick(tp);
			if (!err && !tp->sc.paused)
				err = draw(tp);
			continue;
		}
		if (poll(pfd, 2, (int)(left * 1000) + 1) < 0) {
			err = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(tp->sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGWINCH)
				return 0;
			winsize(tp);
			err = draw(tp);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				return 0;
			for (i = 0; i < n; i++)
				if (key(tp, in[i]))
					return 0;
			err = draw(tp);
		}
	}
	if (!tp->why)
		tp->why = "cannot draw the screen";
	return err;
}

static int enter(struct top *tp)
{
	struct termios raw;
	sigset_t set;

	/* INT and TERM are blocked already; HUP, QUIT and WINCH join them, all read in the loop. */
	fsp_sig_stop_set(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGWINCH);
	if (pthread_sigmask(SIG_BLOCK, &set, &tp->old_mask))
		return -EINVAL;
	tp->masked = 1;
	tp->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tp->sfd < 0)
		return -errno;
	if (tcgetattr(STDIN_FILENO, &tp->saved))
		return -errno;
	raw = tp->saved;
	/* Keys without Enter and without echo; ^C still raises SIGINT, read from the signalfd. */
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw))
		return -errno;
	tp->raw = 1;
	tp->screen = 1;
	return write_all("\x1b[?1049h\x1b[?25l", strlen("\x1b[?1049h\x1b[?25l"));
}

/* Puts the terminal back; safe on any partly entered state. */
static void leave(struct top *tp)
{
	struct signalfd_siginfo si;

	if (tp->screen)
		write_all("\x1b[?25h\x1b[?1049l", strlen("\x1b[?25h\x1b[?1049l"));
	if (tp->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &tp->saved);
	if (tp->sfd >= 0) {
		/* Consume pending HUP or QUIT, which would kill us once unblocked. */
		while (read(tp->sfd, &si, sizeof(si)) == sizeof(si))
			;
		close(tp->sfd);
	}
	if (tp->masked)
		pthread_sigmask(SIG_SETMASK, &tp->old_mask, NULL);
}

int fsp_top_run(const struct fsp_view_source *src, double interval)
{
	struct top tp = { .src = src, .t = src->target, .sfd = -1, .start = now() };
	int err;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fsp_log_error("top needs a terminal; for a script use: fsprobe report ... "
			      "--duration 10 --format json");
		return -ENOTTY;
	}
	tp.sc = (struct fsp_view_screen){ .interval = interval, .sort = FSP_VIEW_BY_MISSES };
	winsize(&tp);
	err = enter(&tp);
	if (err)
		tp.why = "cannot set up the terminal";
	else
		err = loop(&tp, interval);
	leave(&tp);
	if (err)
		fsp_log_error("top: %s: %s (for a script use: fsprobe report ... --duration 10)",
			      tp.why, strerror(-err));
	fsp_buf_free(&tp.frame);
	fsp_buf_free(&tp.term);
	fsp_view_copy_free(&tp.prev);
	fsp_view_free(&tp.view);
	return err;
}
