<?php
echo pogo_pool_size($_GET['pool'] ?? 'default');
