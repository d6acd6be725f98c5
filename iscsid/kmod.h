/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the iscsi_tcp kernel module (libkmod; a no-op build without it). */
#pragma once

int kmod_load_iscsi_tcp(void);
