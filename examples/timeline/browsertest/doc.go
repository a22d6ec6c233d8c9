// Package browsertest clicks through the timeline demo in headless
// Chromium: buying a sneaker through a decline to a placed order, and
// donating with the fee covered to a receipt. It is its own module so that
// the library never depends on a browser driver. Run it with the README's
// test command, which installs Chromium when it is missing.
package browsertest
