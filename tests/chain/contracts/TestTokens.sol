// SPDX-License-Identifier: MIT
// TestTokens.sol: minimal ERC-20 tokens and a Uniswap V3 pool helper for the local-chain test
// tier (tests/chain). Written for these tests from the ERC-20 and Uniswap V3 pool interfaces.
// The tokens' code is copied to the registry's addresses with anvil_setCode, so nothing may live
// in constructor-set storage: name, symbol and decimals are constants. mint() is open to anyone:
// these are test tokens on a throwaway chain.
pragma solidity ^0.8.23;

abstract contract TestERC20 {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function name() external pure virtual returns (string memory);
    function symbol() external pure virtual returns (string memory);
    function decimals() external pure virtual returns (uint8);

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 a = allowance[from][msg.sender];
        if (a != type(uint256).max) {
            require(a >= value, "ERC20: insufficient allowance");
            allowance[from][msg.sender] = a - value;
        }
        _move(from, to, value);
        return true;
    }

    function mint(address to, uint256 value) external {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _move(address from, address to, uint256 value) internal {
        require(balanceOf[from] >= value, "ERC20: insufficient balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

contract TestUSDC is TestERC20 {
    function name() external pure override returns (string memory) { return "USD Coin"; }
    function symbol() external pure override returns (string memory) { return "USDC"; }
    function decimals() external pure override returns (uint8) { return 6; }
}

contract TestWETH is TestERC20 {
    function name() external pure override returns (string memory) { return "Wrapped Ether"; }
    function symbol() external pure override returns (string memory) { return "WETH"; }
    function decimals() external pure override returns (uint8) { return 18; }
}

interface IUniswapV3PoolLike {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external returns (uint256 amount0, uint256 amount1);
    function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96,
                  bytes calldata data) external returns (int256 amount0, int256 amount1);
}

interface IMintable {
    function mint(address to, uint256 value) external;
}

// Adds liquidity and moves the price of a pool, paying what the pool asks for by minting the
// test tokens straight to it (both callbacks check that the caller is the pool being driven).
contract PoolDriver {
    address private active;

    function addLiquidity(address pool, int24 tickLower, int24 tickUpper, uint128 liquidity)
        external returns (uint256, uint256)
    {
        active = pool;
        (uint256 a0, uint256 a1) = IUniswapV3PoolLike(pool).mint(address(this), tickLower, tickUpper, liquidity, "");
        active = address(0);
        return (a0, a1);
    }

    // Swaps until the pool's price reaches sqrtPriceLimitX96 (or the input runs out).
    function pushPrice(address pool, bool zeroForOne, uint160 sqrtPriceLimitX96)
        external returns (int256, int256)
    {
        active = pool;
        (int256 a0, int256 a1) = IUniswapV3PoolLike(pool).swap(address(this), zeroForOne,
                                                               type(int128).max, sqrtPriceLimitX96, "");
        active = address(0);
        return (a0, a1);
    }

    function uniswapV3MintCallback(uint256 owed0, uint256 owed1, bytes calldata) external {
        _pay(owed0, owed1);
    }

    function uniswapV3SwapCallback(int256 delta0, int256 delta1, bytes calldata) external {
        _pay(delta0 > 0 ? uint256(delta0) : 0, delta1 > 0 ? uint256(delta1) : 0);
    }

    function _pay(uint256 owed0, uint256 owed1) private {
        require(msg.sender == active && active != address(0), "not the pool being driven");
        if (owed0 > 0) IMintable(IUniswapV3PoolLike(msg.sender).token0()).mint(msg.sender, owed0);
        if (owed1 > 0) IMintable(IUniswapV3PoolLike(msg.sender).token1()).mint(msg.sender, owed1);
    }
}
