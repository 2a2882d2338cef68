"""Server-side scripting: engines that run scripts, and the events that trigger them."""
