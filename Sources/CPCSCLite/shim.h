// pcsc-lite (Debian libpcsclite-dev): the PC/SC smart-card API (SCardEstablishContext, SCardTransmit, ...).
#include <PCSC/winscard.h>
