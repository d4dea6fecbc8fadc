/* fakeopts.h: a fake llama-server's options from MODEL.fake. */
#ifndef SOLAR_FAKEOPTS_H
#define SOLAR_FAKEOPTS_H

void	fakeopts_load(int argc, char *argv[]);

#endif
