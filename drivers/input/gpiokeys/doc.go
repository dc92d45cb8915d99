// Package gpiokeys reads the terminal's push buttons on GPIO pins through
// periph.io/x/conn/v3/gpio: each button pulls its pin to ground against
// the internal pull-up, a falling edge starts a debounce wait, and a pin
// still low after it is a press.
package gpiokeys
