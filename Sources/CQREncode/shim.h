// libqrencode (Debian libqrencode-dev, LGPL-2.1): QR Code symbol encoding.
#include <qrencode.h>
