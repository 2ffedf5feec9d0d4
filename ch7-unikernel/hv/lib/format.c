/* The formatting engine, shared by the hypervisor and the guests of this
 * chapter (it depends on nothing but the compiler). Numbers are converted
 * into a local buffer, then padded to the field width; no floating point. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

struct field {
	bool left;     /* '-': pad on the right */
	bool zero;     /* '0': pad numbers with zeros */
	int width;     /* minimum characters */
	int precision; /* %s: maximum characters; -1 when absent */
};

static int emit_padded(putc_fn out, void *ctx, const char *s, int len, const struct field *f,
                       bool numeric)
{
	int pad = f->width > len ? f->width - len : 0;
	int n = 0;
	char fill = (f->zero && numeric && !f->left) ? '0' : ' ';

	/* A zero-padded negative number keeps its sign in front of the zeros. */
	if (fill == '0' && len > 0 && s[0] == '-') {
		out(ctx, '-');
		s++, len--, n++;
	}
	if (!f->left)
		for (; pad; pad--, n++)
			out(ctx, fill);
	for (int i = 0; i < len; i++, n++)
		out(ctx, s[i]);
	for (; pad; pad--, n++)
		out(ctx, ' ');
	return n;
}

static int emit_number(putc_fn out, void *ctx, uint64_t v, bool negative, unsigned base, bool upper,
                       const struct field *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		buf[--i] = '-';
	return emit_padded(out, ctx, buf + i, (int)sizeof(buf) - i, f, true);
}

int format(putc_fn out, void *ctx, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(ctx, *fmt);
			n++;
			continue;
		}
		struct field f = {.precision = -1};
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				f.left = true;
			else if (*fmt == '0')
				f.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			/* From the arguments; a negative width is '-' and its size. */
			f.width = va_arg(ap, int);
			if (f.width < 0) {
				f.left = true;
				f.width = f.width == INT_MIN ? INT_MAX : -f.width;
			}
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			f.width = f.width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			f.precision = 0;
			if (fmt[1] == '*') {
				/* From the arguments; a negative one is taken as absent. */
				f.precision = va_arg(ap, int);
				if (f.precision < 0)
					f.precision = -1;
				fmt += 2;
			} else {
				for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
					f.precision = f.precision * 10 + (*fmt - '0');
			}
		}
		int longs = 0;
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			n += emit_number(out, ctx, mag, v < 0, 10, false, &f);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			n +=
			    emit_number(out, ctx, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', &f);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			out(ctx, '0');
			out(ctx, 'x');
			n += 2 + emit_number(out, ctx, v, false, 16, false, &f);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = 0;
			while (s[len] && (f.precision < 0 || len < f.precision))
				len++;
			n += emit_padded(out, ctx, s, len, &f, false);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			n += emit_padded(out, ctx, &c, 1, &f, false);
			break;
		}
		case '%':
			out(ctx, '%');
			n++;
			break;
		case '\0':
			return n;
		default:
			/* Unknown conversion: show it rather than guess. */
			out(ctx, '%');
			out(ctx, *fmt);
			n += 2;
			break;
		}
	}
	return n;
}

struct buffer {
	char *buf;
	size_t size;
	size_t len;
};

static void buffer_out(void *ctx, char c)
{
	struct buffer *b = ctx;
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = {.buf = buf, .size = size};
	int n = format(buffer_out, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
