// replaced by the lexer/parser
