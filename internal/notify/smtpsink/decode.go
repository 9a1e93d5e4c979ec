package smtpsink

import "mime"

type mimeDecoder = mime.WordDecoder
