#!/bin/sh
# GET /cgi-bin/poweroff: the guest answers, then powers off (the grader ends
# a run this way once it has what it asked for).
printf 'Content-Type: text/plain\r\n\r\npowering off\n'
(
	sleep 1
	echo "<5>hvlab-init: powering off (asked over HTTP)" >/dev/kmsg
	sync
	poweroff -f
) </dev/null >/dev/null 2>&1 &
