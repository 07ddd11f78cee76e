# SPDX-License-Identifier: GPL-2.0-only
#
# make install / make uninstall  (PREFIX=/usr/local, DESTDIR= for staging)
#
#   $(SBINDIR)/espyd, $(SBINDIR)/espy          binaries
#   $(MANDIR)/man8/espyd.8, espy.8            manual pages
#   $(SYSCONFDIR)/espy/espy.conf              commented default configuration
#                                             (an existing one is kept)
#   $(UNITDIR)/espyd.service                  hardened systemd unit
#   $(SYSCONFDIR)/logrotate.d/espy            log rotation
#   $(LOCALSTATEDIR)/lib/espy (0700), $(LOCALSTATEDIR)/log/espy (0750)
#
# uninstall removes what install put there, except a configuration file
# that was edited and any state or logs (their directories go if empty).

LOCALSTATEDIR	?= /var
LOGROTATEDIR	?= $(SYSCONFDIR)/logrotate.d
INSTALL		?= install

INSTALL_FILES	:= $(SBINDIR)/espyd $(SBINDIR)/espy \
		   $(MANDIR)/man8/espyd.8 $(MANDIR)/man8/espy.8 \
		   $(UNITDIR)/espyd.service $(LOGROTATEDIR)/espy

install: $(O)/espyd $(O)/espy
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/espy $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LOGROTATEDIR)
	$(INSTALL) -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/espy
	$(INSTALL) -d -m 0750 $(DESTDIR)$(LOCALSTATEDIR)/log/espy
	$(INSTALL) -m 0755 $(O)/espyd $(O)/espy $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 man/espyd.8 man/espy.8 $(DESTDIR)$(MANDIR)/man8/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf"; \
	else \
		echo "$(INSTALL) -m 0644 etc/espy.conf $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf"; \
		$(INSTALL) -m 0644 etc/espy.conf $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf; \
	fi
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/espyd.service > $(DESTDIR)$(UNITDIR)/espyd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/espyd.service
	$(INSTALL) -m 0644 etc/espy.logrotate $(DESTDIR)$(LOGROTATEDIR)/espy
	@test -n "$(DESTDIR)" || ! [ -d /run/systemd/system ] || \
		echo "now: systemctl daemon-reload && systemctl enable --now espyd"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf ] && \
	    ! cmp -s etc/espy.conf $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf; then \
		echo "keeping the edited $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf"; \
	else \
		rm -f $(DESTDIR)$(SYSCONFDIR)/espy/espy.conf; \
	fi
	@for d in $(DESTDIR)$(SYSCONFDIR)/espy $(DESTDIR)$(LOCALSTATEDIR)/lib/espy \
		  $(DESTDIR)$(LOCALSTATEDIR)/log/espy; do \
		rmdir "$$d" 2>/dev/null || { [ -d "$$d" ] && echo "keeping $$d (not empty)"; } || true; \
	done
