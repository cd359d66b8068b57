<?php
// The sub-request endpoint of the FPM fan-out: waits T ms, answers its index.
usleep((int) ($_GET['t'] ?? 50) * 1000);
echo (int) ($_GET['i'] ?? 0);
