<?php
// A pool worker that fails before it reaches frankenphp_handle_request().
throw new RuntimeException('boot failed');
